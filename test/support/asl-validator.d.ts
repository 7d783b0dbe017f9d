// asl-validator ships no type declarations; this is the part of its API the infra tests use.
declare module 'asl-validator' {
  interface ValidationOptions {
    /** Check the JSONPath syntax of InputPath, ResultPath, Parameters and the like (default true). */
    checkPaths?: boolean;
    /** Check that every Task Resource is an ARN (default true). */
    checkArn?: boolean;
  }

  interface ValidationResult {
    isValid: boolean;
    errors: { message?: string; schemaPath?: string; params?: unknown }[];
    errorsText(separator?: string): string;
  }

  /** Validates an Amazon States Language definition. It fills in missing `QueryLanguage` fields: pass a copy. */
  function aslValidator(definition: unknown, options?: ValidationOptions): ValidationResult;
  export = aslValidator;
}
