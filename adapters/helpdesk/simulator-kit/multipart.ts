import type { IncomingHttpHeaders } from 'node:http';

/** One uploaded file part. */
export interface FilePart {
  filename: string;
  mimetype: string;
  data: Buffer;
}

export interface ParsedForm {
  fields: Array<[string, string]>;
  files: Array<[string, FilePart]>;
}

export function isMultipart(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** Parses multipart/form-data with the platform's own parser (undici), as Node 20 ships it. */
export async function parseMultipart(headers: IncomingHttpHeaders, body: Buffer): Promise<ParsedForm> {
  const request = new Request('http://simulator.local/', {
    method: 'POST',
    headers: { 'content-type': headers['content-type'] ?? '' },
    body,
    duplex: 'half',
  } as RequestInit);
  const form = await request.formData();
  const parsed: ParsedForm = { fields: [], files: [] };
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') parsed.fields.push([name, value]);
    else {
      parsed.files.push([
        name,
        {
          filename: value.name,
          mimetype: value.type || 'application/octet-stream',
          data: Buffer.from(await value.arrayBuffer()),
        },
      ]);
    }
  }
  return parsed;
}
