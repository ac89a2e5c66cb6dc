'use client';

import { createContext, useContext } from 'react';
import type { Issue } from '@/lib/issues';
import { IssueList } from './launch/issue-list';

/** The id of the field being rendered, so its input need not repeat it. */
const FieldId = createContext<string | undefined>(undefined);

/**
 * One form field: the label, the control (children), a hint, a local error (e.g. JSON that does not parse) and the
 * server's issues for it. Controls inside take the field's id from here, so the label always points at them.
 */
export function Field({
  id,
  label,
  hint,
  error,
  errorTestId,
  issues,
  issuesTestId,
  footer,
  children,
}: {
  id: string;
  label: React.ReactNode;
  hint?: React.ReactNode;
  error?: string | null;
  errorTestId?: string;
  issues?: Issue[];
  issuesTestId?: string;
  /** Below the messages (e.g. a toolbar acting on the control). */
  footer?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <FieldId.Provider value={id}>{children}</FieldId.Provider>
      {hint && <span className="hint">{hint}</span>}
      {error && (
        <span className="field-error" data-testid={errorTestId}>
          {error}
        </span>
      )}
      {issues && <IssueList issues={issues} testId={issuesTestId} />}
      {footer}
    </div>
  );
}

type Control<E> = Omit<React.InputHTMLAttributes<E>, 'id' | 'value' | 'onChange'> & {
  value: string;
  onChange: (value: string) => void;
  testId?: string;
};

/** An <input> (text by default) inside a Field, reporting its value as a string. */
export function Input({ value, onChange, testId, type = 'text', ...rest }: Control<HTMLInputElement>) {
  return (
    <input
      {...rest}
      id={useContext(FieldId)}
      type={type}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      data-testid={testId}
    />
  );
}

export function TextArea({
  value,
  onChange,
  testId,
  ...rest
}: Omit<React.TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'value' | 'onChange'> & {
  value: string;
  onChange: (value: string) => void;
  testId?: string;
}) {
  return (
    <textarea
      {...rest}
      id={useContext(FieldId)}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      spellCheck={false}
      data-testid={testId}
    />
  );
}

export function Select<T extends string>({
  value,
  onChange,
  testId,
  options,
}: {
  value: T;
  onChange: (value: T) => void;
  testId?: string;
  /** value -> label, in order. */
  options: Record<T, string>;
}) {
  return (
    <select id={useContext(FieldId)} value={value} onChange={(e) => onChange(e.target.value as T)} data-testid={testId}>
      {(Object.entries(options) as [T, string][]).map(([v, label]) => (
        <option key={v} value={v}>
          {label}
        </option>
      ))}
    </select>
  );
}
