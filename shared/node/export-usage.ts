/** `stagediff export`'s usage lines (cli.ts prints them without loading export-cmd.ts). */
export const EXPORT_USAGE = `  stagediff export --format html|pdf|csv|json|pcapng|svg|png [--what flows|packets|findings]
                   [--case FILE] [--traffic-log [DEVICE=]CSV]... [--clock-offset DEVICE=SECONDS]...
                   [--settings FILE] [--TIMER SECONDS]... [--title TEXT] -o OUT [CAPTURE...]`;
