import { assertId } from '../../core/errors.ts';
import { checkText, LIMITS } from '../../core/validate.ts';
import type { Principal } from '../auth/scopes.ts';
import type { Services } from '../context.ts';
import { type ExperimentRow, experimentJson, NOTE_TAG, type Tag } from './convert.ts';
import { invalid, missing } from './errors.ts';
import {
  type Args,
  checkKey,
  checkValue,
  decodeToken,
  encodeToken,
  keyValues,
  MLFLOW_LIMITS,
  maxResults,
  optString,
  reqString,
  stringList,
} from './input.ts';
import { parseMlflowFilter } from './search-syntax.ts';
import * as store from './store.ts';

/** MLflow's default experiment id; here it names the experiment called "Default", created on first use. */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** MLflow's experiment endpoints over Runboard's ExperimentService plus experiment tags and soft delete. */
export class MlflowExperiments {
  constructor(private readonly s: Services) {}

  /** The experiment an MLflow id names ("0": Default), or RESOURCE_DOES_NOT_EXIST. */
  async row(id: string): Promise<ExperimentRow> {
    if (id === DEFAULT_EXPERIMENT_ID) return this.s.experiments.ensure(DEFAULT_EXPERIMENT_NAME);
    const e = await this.s.experiments.get({ id });
    if (!e) throw missing(`No Experiment with id=${id} exists`);
    return e;
  }

  async json(rows: ExperimentRow[]) {
    const ids = rows.map((e) => e.id);
    const [tags, deleted] = await Promise.all([
      store.experimentTagsOf(this.s.db.pool, ids),
      store.deletedExperiments(this.s.db.pool, ids),
    ]);
    return rows.map((e) => experimentJson(e, tags.get(e.id) ?? [], deleted.has(e.id)));
  }

  async create(a: Args) {
    const name = reqString(a, 'name');
    const tags = keyValues(a, 'tags', 'Tag', MLFLOW_LIMITS.tagsPerBatch, MLFLOW_LIMITS.tagValue);
    const note = tags.find((t) => t.key === NOTE_TAG)?.value;
    const e = await this.s.experiments.create({ name, description: note ?? '' });
    for (const t of tags) if (t.key !== NOTE_TAG) await store.setExperimentTag(this.s.db.pool, e.id, t);
    return { experiment_id: e.id };
  }

  async get(a: Args) {
    const [experiment] = await this.json([await this.row(reqString(a, 'experiment_id'))]);
    return { experiment };
  }

  async getByName(a: Args) {
    const name = reqString(a, 'experiment_name');
    const e = await this.s.experiments.get({ name });
    if (!e) throw missing(`Could not find experiment with name '${name}'`);
    const [experiment] = await this.json([e]);
    return { experiment };
  }

  async search(a: Args, p: Principal) {
    const limit = maxResults(a, 1000, MLFLOW_LIMITS.searchResults);
    const offset = decodeToken(optString(a, 'page_token'), isOffset)?.offset ?? 0;
    const view = optString(a, 'view_type') ?? 'ACTIVE_ONLY';
    if (!['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'].includes(view)) throw invalid(`Invalid view_type '${view}'`);
    const { names, tags } = experimentFilter(optString(a, 'filter') ?? '');
    const rows = await store.searchExperiments(this.s.db.pool, {
      deleted: view === 'ALL' ? null : view === 'DELETED_ONLY',
      names,
      tags,
      allowed: p.experiments,
      order: orderOf(stringList(a, 'order_by', 10)),
      offset,
      limit,
    });
    const page = rows.slice(0, limit);
    return {
      experiments: await this.json(page),
      ...(rows.length > limit ? { next_page_token: encodeToken({ offset: offset + limit }) } : {}),
    };
  }

  async update(a: Args) {
    const e = await this.row(reqString(a, 'experiment_id'));
    const name = optString(a, 'new_name');
    if (name) await this.s.experiments.update(e.id, { name });
    return {};
  }

  /** MLflow's delete is reversible: the experiment is flagged (no new runs in it); its runs stay as they are. */
  async setDeleted(a: Args, deleted: boolean) {
    const e = await this.row(reqString(a, 'experiment_id'));
    await store.setExperimentDeleted(this.s.db.pool, e.id, deleted);
    return {};
  }

  /** A deleted experiment takes no tag changes (MLflow's _check_experiment_is_active). */
  private async activeRow(id: string): Promise<ExperimentRow> {
    const e = await this.row(id);
    if (await this.isDeleted(e.id))
      throw invalid(`The experiment ${e.id} must be in the 'active' state. Current state is deleted.`);
    return e;
  }

  async setTag(a: Args) {
    const e = await this.activeRow(reqString(a, 'experiment_id'));
    const key = checkKey('Tag', reqString(a, 'key'));
    const value = checkValue('Tag', key, optString(a, 'value') ?? '', MLFLOW_LIMITS.tagValue);
    if (key === NOTE_TAG)
      await this.s.experiments.update(e.id, { description: checkText('value', value, LIMITS.description) });
    else await store.setExperimentTag(this.s.db.pool, assertId('Experiment', e.id), { key, value });
    return {};
  }

  /** MLflow's delete-experiment-tag; mlflow.note.content is the description, which it clears. */
  async deleteTag(a: Args) {
    const e = await this.activeRow(reqString(a, 'experiment_id'));
    const key = reqString(a, 'key');
    const gone = `No tag with name: ${key} in experiment with id ${e.id}`;
    if (key === NOTE_TAG) {
      if (!e.description) throw missing(gone);
      await this.s.experiments.update(e.id, { description: '' });
    } else if (!(await store.deleteExperimentTag(this.s.db.pool, e.id, key))) throw missing(gone);
    return {};
  }

  /** Whether the experiment is soft-deleted (runs cannot be created in it). */
  async isDeleted(id: string): Promise<boolean> {
    return (await store.deletedExperiments(this.s.db.pool, [id])).has(id);
  }
}

const isOffset = (v: unknown): v is { offset: number } =>
  !!v &&
  typeof v === 'object' &&
  Number.isSafeInteger((v as { offset?: unknown }).offset) &&
  (v as { offset: number }).offset >= 0;

/** The experiment filters MLflow documents: `name = 'x'`, `name LIKE 'x%'`, `name ILIKE ...`, `tags.k = 'v'`. */
function experimentFilter(filter: string) {
  const names: store.ExperimentQuery['names'] = [];
  const tags: Tag[] = [];
  for (const c of filter.trim() ? parseMlflowFilter(filter) : []) {
    const v = c.values[0];
    if (v?.kind !== 'string')
      throw invalid(`Experiment filters compare with quoted strings (at position ${c.position})`);
    if (c.entity === 'attribute' && c.key === 'name' && ['=', 'LIKE', 'ILIKE'].includes(c.comparator)) {
      names.push({ pattern: v.value, ilike: c.comparator === 'ILIKE', equals: c.comparator === '=' });
    } else if (c.entity === 'tag' && c.comparator === '=') tags.push({ key: c.key, value: v.value });
    else
      throw invalid(`Unsupported experiment filter at position ${c.position}: use name =/LIKE/ILIKE or tags.<key> =`);
  }
  return { names, tags };
}

const EXPERIMENT_ORDER: Record<string, store.ExperimentQuery['order'][number]['column']> = {
  name: 'name',
  creation_time: 'created_at',
  last_update_time: 'updated_at',
  experiment_id: 'id',
};

/** MLflow's default: newest first. */
function orderOf(list: string[]): store.ExperimentQuery['order'] {
  return list.length ? list.map(experimentOrder) : [{ column: 'created_at', desc: true }];
}

function experimentOrder(text: string): store.ExperimentQuery['order'][number] {
  const m = /^\s*(?:attributes?\.)?(\w+)(?:\s+(asc|desc))?\s*$/i.exec(text);
  const column = m ? EXPERIMENT_ORDER[m[1]!] : undefined;
  if (!column) throw invalid(`Invalid order_by '${text}': use name, creation_time, last_update_time or experiment_id`);
  return { column, desc: m![2]?.toLowerCase() === 'desc' };
}
