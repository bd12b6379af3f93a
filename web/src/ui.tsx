/** Small shared pieces: the loading state, the error box, formatting. */
import type { ComponentChildren } from "preact";
import { ApiProblem } from "./api/client";

export function Loading({ label }: { label: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** A readable message for any failure; never a blank page. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiProblem) return err.requestId ? `${err.message} (request ${err.requestId})` : err.message;
  return err instanceof Error ? err.message : "Something went wrong.";
}

export function ErrorBox({ error, onRetry, children }: { error: unknown; onRetry?: () => void; children?: ComponentChildren }) {
  return (
    <div class="error" role="alert">
      <p>{messageOf(error)}</p>
      {children}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export const percent = (p: number) => `${Math.round(p * 100)} %`;

export function when(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const days = Math.round((ms - now) / 86_400_000);
  const date = d.toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric" });
  const time = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (ms <= now) return "now";
  if (days === 0) return `today at ${time}`;
  return `${date} (${days === 1 ? "tomorrow" : `in ${days} days`})`;
}

export function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
