/** Replaces secrets (API keys, tokens) in log text before it is written or shown anywhere. */
export function secretRedactor(secrets: readonly (string | null | undefined)[]): (text: string) => string {
  const present = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  if (present.length === 0) return (text) => text;
  return (text) => present.reduce((out, secret) => out.split(secret).join('***'), text);
}
