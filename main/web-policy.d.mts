export declare const CSP: string;
export declare const MIME_TYPES: Record<string, string>;
export declare const ISOLATION_HEADERS: Record<string, string>;
