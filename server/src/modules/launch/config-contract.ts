import { configSchema, issueMessage } from '@runboard/contract/trainer-config';
import { z } from 'zod';
import { badInput, ErrorCode, userError } from '../../core/errors.ts';
import { jsonProblem } from '../../core/validate.ts';

/**
 * The trainer's configuration schema is the contract between launchRun and the trainer process:
 * the server validates with the very zod schema the trainer parses its --config with, strictly
 * (unknown keys are errors), and stores the normalised config (defaults filled in) on the run.
 * Connection settings are the agent's business, never part of a run's config.
 */
const AGENT_OWNED = ['server', 'apiKey', 'offline', 'journal', 'runId'] as const;
const strictSchema = (configSchema as unknown as z.ZodObject).strict();

export function validateTrainerConfig(experiment: string, config: unknown, field = 'config'): Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw userError(ErrorCode.BAD_USER_INPUT, `${field}: must be a JSON object`, { field });
  }
  const problem = jsonProblem(config);
  if (problem) throw badInput(field, problem);
  for (const key of AGENT_OWNED) {
    if (key in config)
      throw userError(ErrorCode.BAD_USER_INPUT, `${field}.${key}: is set by the agent, not by the launch`, {
        field: `${field}.${key}`,
      });
  }
  const input = { ...config, experiment };
  const parsed = strictSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: [field, ...i.path.map(String)].join('.'),
      message: issueMessage(i, input),
    }));
    throw userError(
      ErrorCode.BAD_USER_INPUT,
      `Invalid trainer config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { field, issues },
    );
  }
  const normalised = { ...(parsed.data as Record<string, unknown>) };
  for (const key of AGENT_OWNED) delete normalised[key];
  return normalised;
}

/** JSON Schema of the launch config, for forms (the dashboard's launch page). */
export function trainerConfigJsonSchema(): unknown {
  return z.toJSONSchema(configSchema as unknown as z.ZodType, { unrepresentable: 'any', io: 'input' });
}

/**
 * The flattened, dotted leaf paths of a config as the caller wrote it (`{ augmentation: { flip: true } }`
 * -> `augmentation.flip`; arrays and empty objects are leaves), the way the dashboard flattens configs.
 * Stored with a launched run so the dashboard can tell the keys a user set from the trainer's defaults.
 */
export function givenConfigPaths(config: Record<string, unknown>, prefix = '', out: string[] = []): string[] {
  for (const [k, v] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
      givenConfigPaths(v as Record<string, unknown>, path, out);
    } else out.push(path);
  }
  return out;
}
