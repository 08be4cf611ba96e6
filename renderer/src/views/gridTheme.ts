import { themeQuartz } from 'ag-grid-community';

/** AG Grid theme driven by the app's CSS variables, so light/dark switches without re-rendering. */
export const gridTheme = themeQuartz.withParams({
  backgroundColor: 'var(--panel)',
  foregroundColor: 'var(--fg)',
  headerBackgroundColor: 'var(--panel-2)',
  headerTextColor: 'var(--fg-2)',
  borderColor: 'var(--border)',
  accentColor: 'var(--accent)',
  oddRowBackgroundColor: 'var(--row-alt)',
  selectedRowBackgroundColor: 'var(--selected)',
  rowHoverColor: 'var(--hover)',
  chromeBackgroundColor: 'var(--panel-2)',
  fontFamily: 'var(--font-ui)',
  fontSize: 12,
  headerFontSize: 11.5,
  headerFontWeight: 600,
  rowHeight: 24,
  headerHeight: 28,
  spacing: 4,
  cellHorizontalPadding: 8,
  wrapperBorder: false,
  wrapperBorderRadius: 0,
  borderRadius: 2,
  columnBorder: false,
  inputBackgroundColor: 'var(--input)',
  inputBorder: { color: 'var(--border)' },
});
