import { DomainError } from '../../../src/domain/errors.ts';
import { xurrentCategories, xurrentImpacts } from './codes.ts';

/**
 * Xurrent refuses a request without a category (it has no server-side default) and an incident without an impact
 * (developer.xurrent.com/v1/requests, Fields: category is required; impact is required for incidents). Checked before
 * the create is sent, so a rule that leaves one out gets an error naming the field, and nothing is written.
 */
export function requireCategoryAndImpact(body: Record<string, unknown>): void {
  if (body.category === undefined || body.category === null || body.category === '') {
    throw new DomainError(
      'helpdesk_validation',
      `Xurrent needs a category for a new request and the incoming script set none: set entity.category (one of ${xurrentCategories.join(', ')}).`,
      { fieldErrors: [{ field: 'category', message: "can't be blank" }] },
    );
  }
  if (body.category === 'incident' && (body.impact === undefined || body.impact === null || body.impact === '')) {
    throw new DomainError(
      'helpdesk_validation',
      `Xurrent needs an impact for a new incident and the incoming script set none: set entity.impact (one of ${xurrentImpacts.join(', ')}) or entity.priority.`,
      { fieldErrors: [{ field: 'impact', message: "can't be blank" }] },
    );
  }
}
