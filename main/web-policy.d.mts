export declare const CSP: string;
export declare const MIME_TYPES: Record<string, string>;
