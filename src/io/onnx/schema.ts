/**
 * The part of the ONNX protobuf schema that exportOnnx writes, as a protobufjs JSON descriptor, so
 * the browser-safe build encodes models with protobufjs/light and never reads a .proto file.
 * Message, field names and field numbers follow onnx/onnx.proto of the ONNX project (Apache-2.0,
 * ONNX Project Contributors), IR version 7 and later; fields backprop never writes are left out,
 * and the wire format is unchanged: protobuf readers skip fields they do not know.
 * ONNX declares string tensor data and string attributes as `bytes` holding UTF-8; they are declared
 * `string` here, the same bytes on the wire, so the browser build needs no TextEncoder.
 */

/** ONNX TensorProto.DataType values used here. */
export const ONNX_TYPE = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9 } as const;

/** AttributeProto.AttributeType values used here. */
export const ONNX_ATTRIBUTE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

type Field = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
const f = (type: string, id: number): Field => ({ type, id });
const r = (type: string, id: number): Field => ({ type, id, rule: 'repeated' });

/** protobufjs `Root.fromJSON` input for package `onnx`. */
export const ONNX_DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: f('string', 1), f: f('float', 2), i: f('int64', 3), s: f('string', 4), t: f('TensorProto', 5),
            floats: r('float', 7), ints: r('int64', 8), strings: r('string', 9), docString: f('string', 13), type: f('int32', 20),
          },
        },
        ValueInfoProto: { fields: { name: f('string', 1), type: f('TypeProto', 2), docString: f('string', 3) } },
        NodeProto: {
          fields: {
            input: r('string', 1), output: r('string', 2), name: f('string', 3), opType: f('string', 4),
            attribute: r('AttributeProto', 5), docString: f('string', 6), domain: f('string', 7),
          },
        },
        ModelProto: {
          fields: {
            irVersion: f('int64', 1), producerName: f('string', 2), producerVersion: f('string', 3), domain: f('string', 4),
            modelVersion: f('int64', 5), docString: f('string', 6), graph: f('GraphProto', 7),
            opsetImport: r('OperatorSetIdProto', 8), metadataProps: r('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        GraphProto: {
          fields: {
            node: r('NodeProto', 1), name: f('string', 2), initializer: r('TensorProto', 5), docString: f('string', 10),
            input: r('ValueInfoProto', 11), output: r('ValueInfoProto', 12), valueInfo: r('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: r('int64', 1), dataType: f('int32', 2), floatData: r('float', 4), int32Data: r('int32', 5),
            stringData: r('string', 6), int64Data: r('int64', 7), name: f('string', 8), rawData: f('bytes', 9), docString: f('string', 12),
          },
        },
        TensorShapeProto: {
          fields: { dim: r('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: f('int64', 1), dimParam: f('string', 2), denotation: f('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: f('Tensor', 1), denotation: f('string', 6) },
          nested: { Tensor: { fields: { elemType: f('int32', 1), shape: f('TensorShapeProto', 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
      },
    },
  },
};
