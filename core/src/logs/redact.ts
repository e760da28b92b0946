/** Replaces secrets (API keys, tokens, passwords in URLs) in log text before it is written or shown anywhere. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;

/** `redis://user:pass@host` → `redis://user:***@host` (any scheme). */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

export function secretRedactor(secrets: readonly (string | null | undefined)[]): (text: string) => string {
  const present = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  return (text) => redactUrlCredentials(present.reduce((out, secret) => out.split(secret).join('***'), text));
}
