import type { Entity, HubAttachment } from '../../src/domain/entity.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { AttachmentContent } from '../../src/domain/helpdesk.ts';
import type { HelpdeskTransport } from './transport.ts';

/**
 * Downloads an attachment from the URL the helpdesk handed out. Those URLs are signed and expire, so when the first
 * try is refused, a fresh read of the entity hands out new ones; an attachment no longer listed there is gone.
 */
export async function downloadAttachment(input: {
  transport: HelpdeskTransport;
  attachment: HubAttachment;
  reread: () => Promise<Entity>;
  /** The error when the attachment is gone, e.g. `Xurrent no longer has the attachment a.log on request 12.` */
  gone: string;
}): Promise<AttachmentContent> {
  const { attachment } = input;
  const fetchFrom = async (url: string | null | undefined): Promise<Uint8Array | null> => {
    if (!url) return null;
    const response = await input.transport.send({
      method: 'GET',
      path: url,
      anonymous: true,
      passStatuses: [400, 403, 404, 410],
      what: 'an attachment',
    });
    return response.status === 200 ? response.bytes : null;
  };
  const data =
    (await fetchFrom(attachment.url)) ??
    (await fetchFrom((await input.reread()).attachments.find((a) => a.id === attachment.id)?.url));
  if (!data) throw new DomainError('helpdesk_not_found', input.gone);
  return { filename: attachment.filename, mimetype: attachment.mimetype, data };
}
