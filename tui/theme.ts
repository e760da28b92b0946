/** Semantic tones mapped to terminal colours; with NO_COLOR every tone is uncoloured. */
import { createContext, useContext } from 'react';

export type Tone = 'up' | 'down' | 'muted' | 'accent' | 'ok' | 'warn' | 'error' | 'title';

/** A run of text in one tone: the chart and panes build lines of these. */
export interface Segment {
  readonly text: string;
  readonly tone?: Tone;
  readonly bold?: boolean;
  readonly inverse?: boolean;
}

const COLORS: Record<Tone, string> = {
  up: 'green',
  down: 'red',
  muted: 'gray',
  accent: 'cyan',
  ok: 'green',
  warn: 'yellow',
  error: 'red',
  title: 'whiteBright'
};

export interface Theme {
  readonly color: boolean;
}

/** NO_COLOR (any non-empty value, https://no-color.org) turns colour off. */
export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): Theme {
  return { color: !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') };
}

export const ThemeContext = createContext<Theme>({ color: true });

export function toneColor(theme: Theme, tone: Tone | undefined): string | undefined {
  return theme.color && tone ? COLORS[tone] : undefined;
}

export function useTone(): (tone: Tone | undefined) => string | undefined {
  const theme = useContext(ThemeContext);
  return (tone) => toneColor(theme, tone);
}

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
