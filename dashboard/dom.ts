// Small DOM helpers for the dashboard's panel modules: everything from the API goes in as text.

export type ApiCall = <T>(path: string) => Promise<{ status: number; body: T }>;

export function el(
  tag: string,
  props: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** `2026-11-24T10:03:09.000Z` → `2026-11-24 10:03 UTC`. */
export const instant = (iso: string | null | undefined): string =>
  iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—';
