/** Four pages, path-routed (the worker serves index.html for any app path: single-page fallback). */
import { useEffect, useState } from "preact/hooks";

export type Page = "practice" | "review" | "mock" | "progress";
export const PAGES: ReadonlyArray<{ page: Page; path: string; label: string }> = [
  { page: "practice", path: "/practice", label: "Practice" },
  { page: "review", path: "/review", label: "Review" },
  { page: "mock", path: "/mock-test", label: "Mock test" },
  { page: "progress", path: "/progress", label: "Progress" },
];

export function pageOf(pathname: string): Page {
  return PAGES.find((p) => p.path === pathname)?.page ?? "practice";
}

export function navigate(path: string): void {
  if (location.pathname === path) return;
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function useRoute(): Page {
  const [page, setPage] = useState(() => pageOf(location.pathname));
  useEffect(() => {
    const onPop = () => setPage(pageOf(location.pathname));
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  return page;
}
