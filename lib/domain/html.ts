/** Escapes text for HTML content and attribute values (the pages and emails we render ourselves). */
export const escapeHtml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c] ?? c,
  );
