/** The shell: sign-in gate, navigation, the current page. */
import { useEffect, useRef, useState } from "preact/hooks";
import { PAGES, navigate, useRoute } from "./router";
import type { Page } from "./router";
import { clearSession, loadSession } from "./session";
import type { Session } from "./session";
import { SignIn } from "./pages/sign-in";
import { Practice } from "./pages/practice";
import { MockTest } from "./pages/mock-test";
import { ProgressPage } from "./pages/progress";

const TITLES: Record<Page, string> = { practice: "Practice", review: "Review", mock: "Mock test", progress: "Progress" };

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const page = useRoute();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = `${session ? TITLES[page] : "Sign in"} · Adaptive learning`;
  }, [page, session]);

  if (!session) return <SignIn onSignedIn={setSession} />;

  const go = (path: string) => (e: MouseEvent) => {
    e.preventDefault();
    navigate(path);
    // Focus moves to the new page's content, as a page load would.
    requestAnimationFrame(() => main.current?.focus());
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="bar">
        <span class="brand">Adaptive learning</span>
        <nav aria-label="Main">
          <ul>
            {PAGES.map((p) => (
              <li key={p.page}>
                <a href={p.path} aria-current={p.page === page ? "page" : undefined} onClick={go(p.path)}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="link"
          onClick={() => {
            clearSession();
            setSession(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page === "practice" || page === "review" ? <Practice key={page} mode={page} /> : null}
        {page === "mock" ? <MockTest /> : null}
        {page === "progress" ? <ProgressPage /> : null}
      </main>
    </>
  );
}
