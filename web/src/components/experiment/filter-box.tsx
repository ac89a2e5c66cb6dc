'use client';

import { useEffect, useMemo, useState } from 'react';
import { ExperimentConfigKeysDocument } from '@/gql/graphql';
import { useQuery } from '@/lib/data';
import type { ApiProblem } from '@/lib/errors';
import { filterCompletions } from '@/lib/filter-complete';

const EXAMPLES = [
  'config.lr < 1e-2 AND metrics.val_acc >= 0.9',
  'status = RUNNING OR status = QUEUED',
  'config.batch IN (32, 64)',
  'max(metrics.val_acc) > 0.8',
  'name ~ "sweep"',
  'tags HAS "baseline"',
];
/** The placeholder's example on a phone: the first one is wider than a 390 px screen's input. */
const SHORT_EXAMPLE = 'status = RUNNING';
const NARROW = '(max-width: 640px)';

/**
 * Whether the screen is phone-narrow. False on the server and in the first client render (so hydration matches),
 * then the media query's answer, kept current as the window resizes.
 */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(false);
  useEffect(() => {
    const mq = window.matchMedia(NARROW);
    setNarrow(mq.matches);
    const onChange = () => setNarrow(mq.matches);
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  return narrow;
}

/**
 * The filter language box. The server is the only parser, so an INVALID_FILTER error is shown with
 * its message and the problem position underlined in a copy of the text. While typing, the word at the
 * end completes to fields, the experiment's config paths and metric keys (lib/filter-complete.ts).
 *
 * It is also a plain GET form (`where` plus the page's other settings as hidden fields): a filter applied
 * before the page's JavaScript has hydrated loads the filtered page from the server. Before, that submit
 * reloaded the page without any of its settings, and the filter was lost.
 */
export function FilterBox({
  experimentId,
  metricKeys,
  value,
  onApply,
  problem,
  keep,
}: {
  experimentId: string;
  /** The experiment's metric keys, completed after `metrics.`. */
  metricKeys: readonly string[];
  value: string;
  onApply: (where: string) => void;
  problem: ApiProblem | null;
  /** The page's other URL parameters, kept by a submit that happens before hydration. */
  keep: Record<string, string>;
}) {
  const [text, setText] = useState(value);
  const narrow = useNarrow();
  useEffect(() => setText(value), [value]);
  // Config paths are read when the box is first focused: most visits never type a filter.
  const [focused, setFocused] = useState(false);
  const [{ data: keys }] = useQuery({
    query: ExperimentConfigKeysDocument,
    variables: { id: experimentId },
    pause: !focused,
  });
  const configKeys = keys?.experiment?.configKeys;
  const suggestions = useMemo(
    () => (text.trim() ? filterCompletions(text, configKeys ?? [], metricKeys) : EXAMPLES),
    [text, configKeys, metricKeys],
  );
  const invalid = problem?.code === 'INVALID_FILTER';
  const pos = invalid && problem.position !== undefined ? Math.min(problem.position, value.length) : null;
  return (
    <form
      className="filter-box"
      method="get"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(text.trim());
      }}
    >
      <div className="toolbar" style={{ margin: 0 }}>
        {Object.entries(keep).map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        <input
          type="text"
          name="where"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onFocus={() => setFocused(true)}
          placeholder={`Filter, e.g. ${narrow ? SHORT_EXAMPLE : EXAMPLES[0]}`}
          aria-label="Filter runs"
          aria-invalid={invalid}
          className={invalid ? 'invalid' : ''}
          list="filter-suggestions"
          autoComplete="off"
          data-testid="filter-input"
        />
        <datalist id="filter-suggestions" data-testid="filter-suggestions">
          {suggestions.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        <button type="submit" data-testid="filter-apply">
          Apply
        </button>
        {value && (
          <button type="button" onClick={() => onApply('')}>
            Clear
          </button>
        )}
      </div>
      {invalid && (
        <div className="filter-error" role="alert" data-testid="filter-error">
          {problem.message}
          {pos !== null && (
            <pre>
              {value.slice(0, pos)}
              <mark>{value.slice(pos, pos + 1) || ' '}</mark>
              {value.slice(pos + 1)}
              {'\n'}
              {' '.repeat(pos)}^ position {pos}
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
