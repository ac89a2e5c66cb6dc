'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { CreateRunDocument, ExperimentNamesDocument } from '@/gql/graphql';
import { describeError } from '@/lib/errors';
import { Notice } from './notice';

const DEFAULT_CONFIG = `{
  "model": { "base": "mobilenet_v2", "dropout": 0.2 },
  "lr": 0.001,
  "batch": 32,
  "epochs": 10,
  "optimizer": "adam"
}`;

/** Parses a JSON object field; returns the value or a message saying where it is broken. */
function parseObject(text: string, what: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: `${what} must be a JSON object ({ ... }).` };
    return { value: v as Record<string, unknown> };
  } catch (e) {
    return { error: `${what} is not valid JSON: ${(e as Error).message}` };
  }
}

/** Creates a run (QUEUED) with createRun; the server's validation errors are shown as they come. */
export function LaunchForm() {
  const router = useRouter();
  const [{ data: names }] = useQuery({ query: ExperimentNamesDocument });
  const [experiment, setExperiment] = useState('');
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const [notes, setNotes] = useState('');
  const [config, setConfig] = useState(DEFAULT_CONFIG);
  const [systemInfo, setSystemInfo] = useState('{}');
  const [{ fetching, error }, createRun] = useMutation(CreateRunDocument);
  const cfg = parseObject(config, 'Config');
  const sys = parseObject(systemInfo, 'System info');
  const problem = describeError(error);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (cfg.error || sys.error) return;
    const r = await createRun({
      input: {
        experimentName: experiment.trim(),
        name: name.trim() || undefined,
        tags: tags.split(',').map((t) => t.trim()).filter(Boolean),
        notes,
        config: cfg.value,
        systemInfo: sys.value,
      },
    });
    if (r.data) router.push(`/runs/${r.data.createRun.id}`);
  };

  return (
    <section>
      <div className="page-head">
        <h1>Launch a run</h1>
      </div>
      <p className="muted">
        Registers a QUEUED run; a trainer picks it up and calls startRun. The experiment is created when the name is new.
      </p>
      <form className="panel" onSubmit={submit} data-testid="launch-form">
        <div className="field">
          <label htmlFor="exp">Experiment</label>
          <input id="exp" type="text" list="experiment-names" value={experiment} onChange={(e) => setExperiment(e.target.value)} required data-testid="launch-experiment" />
          <datalist id="experiment-names">
            {names?.experiments.map((x) => <option key={x.id} value={x.name} />)}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="run-name">Run name</label>
          <input id="run-name" type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="default: run-<n>" data-testid="launch-name" />
        </div>
        <div className="field">
          <label htmlFor="tags">Tags (comma separated)</label>
          <input id="tags" type="text" value={tags} onChange={(e) => setTags(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="config">Config (JSON object)</label>
          <textarea id="config" rows={12} value={config} onChange={(e) => setConfig(e.target.value)} spellCheck={false} aria-invalid={!!cfg.error} data-testid="launch-config" />
          {cfg.error && <span className="field-error" data-testid="config-error">{cfg.error}</span>}
        </div>
        <div className="field">
          <label htmlFor="system">System info (JSON object)</label>
          <textarea id="system" rows={3} value={systemInfo} onChange={(e) => setSystemInfo(e.target.value)} spellCheck={false} />
          {sys.error && <span className="field-error">{sys.error}</span>}
        </div>
        <div className="field">
          <label htmlFor="notes">Notes</label>
          <textarea id="notes" rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </div>
        {problem && (
          <Notice title="The server rejected the run." problem={problem}>
            {problem.code && <p className="small">code: {problem.code}</p>}
          </Notice>
        )}
        <div className="toolbar">
          <button type="submit" className="primary" disabled={fetching || !!cfg.error || !!sys.error} data-testid="launch-submit">
            {fetching ? 'Creating…' : 'Create run'}
          </button>
          <Link href="/">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
