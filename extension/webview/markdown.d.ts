/** esbuild's text loader: a Markdown file imported as its text (extension/build.mjs). */
declare module '*.md' {
  const text: string;
  export default text;
}
