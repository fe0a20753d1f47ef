declare module 'asl-validator' {
  interface ValidationError {
    'Error code': string;
    Message: string;
    path?: string;
  }
  function validator(
    definition: unknown,
    opts?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: ValidationError[]; errorsText: (sep?: string) => string };
  export = validator;
}
