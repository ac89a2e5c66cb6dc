import { GraphQLError } from 'graphql';
import { apiErrorOf, DATABASE_UNAVAILABLE } from '../../core/db-errors.ts';
import { ErrorCode } from '../../core/errors.ts';

/**
 * MLflow's error shape, `{"error_code": "...", "message": "..."}`, with the HTTP status MLflow's server gives
 * each code (mlflow/server/handlers.py, ERROR_CODE_TO_HTTP_STATUS in mlflow/exceptions.py).
 */
export const MLFLOW_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  TEMPORARILY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;
export type MlflowCode = keyof typeof MLFLOW_STATUS;

export class MlflowError extends Error {
  constructor(
    readonly code: MlflowCode,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return MLFLOW_STATUS[this.code];
  }
}

export const invalid = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const missing = (what: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', what);

/** Runboard's own codes (services, filter compiler, access checks) in MLflow's vocabulary. */
const FROM_RUNBOARD: Record<string, MlflowCode> = {
  [ErrorCode.BAD_USER_INPUT]: 'INVALID_PARAMETER_VALUE',
  [ErrorCode.INVALID_FILTER]: 'INVALID_PARAMETER_VALUE',
  [ErrorCode.INVALID_STATE_TRANSITION]: 'INVALID_PARAMETER_VALUE',
  [ErrorCode.RUN_NOT_ACTIVE]: 'INVALID_PARAMETER_VALUE',
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'INVALID_PARAMETER_VALUE',
  [ErrorCode.NOT_FOUND]: 'RESOURCE_DOES_NOT_EXIST',
  [ErrorCode.ALREADY_EXISTS]: 'RESOURCE_ALREADY_EXISTS',
  [ErrorCode.UNAUTHENTICATED]: 'UNAUTHENTICATED',
  [ErrorCode.FORBIDDEN]: 'PERMISSION_DENIED',
  [DATABASE_UNAVAILABLE]: 'TEMPORARILY_UNAVAILABLE',
};

/** The MLflow error for anything a handler threw, or null for a bug (answered as INTERNAL_ERROR and logged). */
export function toMlflowError(err: unknown): MlflowError | null {
  if (err instanceof MlflowError) return err;
  if (err instanceof GraphQLError) {
    const code = FROM_RUNBOARD[String(err.extensions?.code)];
    return code ? new MlflowError(code, err.message) : null;
  }
  const mapped = apiErrorOf(err);
  if (mapped) {
    const code = FROM_RUNBOARD[String(mapped.extensions.code)] ?? 'INVALID_PARAMETER_VALUE';
    return new MlflowError(code, mapped.message);
  }
  return null;
}
