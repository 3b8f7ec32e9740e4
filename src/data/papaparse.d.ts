/**
 * The few papaparse types src/data/csv.ts uses. @types/papaparse pulls in Node's types
 * (`/// <reference types="node" />`), which would let Node APIs slip into the browser-safe core
 * unnoticed by tsconfig.core.json, so csv.ts imports 'papaparse/papaparse.js' typed by this file instead.
 */
declare module 'papaparse/papaparse.js' {
  interface PapaError {
    type: string;
    code: string;
    message: string;
    row?: number;
    index?: number;
  }
  interface PapaStepResult {
    data: string[];
    errors: PapaError[];
    meta: { delimiter: string; linebreak: string; cursor: number; aborted: boolean };
  }
  interface PapaParser {
    abort(): void;
  }
  interface PapaConfig {
    delimiter?: string;
    newline?: string;
    quoteChar?: string;
    header?: false;
    dynamicTyping?: false;
    skipEmptyLines?: boolean;
    step?: (results: PapaStepResult, parser: PapaParser) => void;
  }
  const Papa: { parse(input: string, config: PapaConfig): unknown };
  export default Papa;
}
