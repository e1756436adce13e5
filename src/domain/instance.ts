import { DomainError } from './errors.ts';

export const platforms = ['freshdesk', 'freshservice', 'xurrent'] as const;
export type Platform = (typeof platforms)[number];

export const platformLabels: Record<Platform, string> = {
  freshdesk: 'Freshdesk',
  freshservice: 'Freshservice',
  xurrent: 'Xurrent',
};

/** Freshdesk receives into a group and Freshservice into a workspace; Xurrent's incoming script picks the service. */
export const incomingProjectKind: Record<Platform, string | null> = {
  freshdesk: 'group',
  freshservice: 'workspace',
  xurrent: null,
};

export function needsIncomingProject(platform: Platform): boolean {
  return incomingProjectKind[platform] !== null;
}

export const licenseKinds = ['evaluation', 'paid', 'expired'] as const;
export type LicenseKind = (typeof licenseKinds)[number];

export interface License {
  kind: LicenseKind;
  /** End of the evaluation period; only for `evaluation`. */
  until: Date | null;
}

export const DEFAULT_EVALUATION_DAYS = 30;

export type Credentials = { kind: 'apiKey'; apiKey: string } | { kind: 'token'; token: string; account: string };

export interface Instance {
  id: string;
  slug: string;
  name: string;
  platform: Platform;
  baseUrl: string;
  public: boolean;
  license: License;
  createdAt: Date;
}

export interface Project {
  id: string;
  name: string;
}

/** The license as it stands at `now`: an evaluation past its date counts as expired. */
export function effectiveLicense(license: License, now: Date): LicenseKind {
  if (license.kind === 'evaluation' && license.until && license.until.getTime() <= now.getTime()) return 'expired';
  return license.kind;
}

export function scriptModeAllowed(
  instance: Pick<Instance, 'public' | 'license' | 'name'>,
  now: Date,
): { allowed: true } | { allowed: false; reason: string } {
  if (!instance.public) {
    return { allowed: false, reason: `Script mode needs a public instance, and ${instance.name} is not public.` };
  }
  const license = effectiveLicense(instance.license, now);
  if (license === 'expired') {
    return {
      allowed: false,
      reason: `Script mode needs an evaluation or a paid license, and the license of ${instance.name} has expired.`,
    };
  }
  return { allowed: true };
}

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export function validateSlug(slug: string): string {
  if (!slugPattern.test(slug)) {
    throw new DomainError(
      'invalid_input',
      `"${slug}" is not a valid instance slug: use 1 to 40 lowercase letters, digits or dashes, not starting or ending with a dash.`,
    );
  }
  return slug;
}

/** Turns a name into a slug candidate ("Acme Support" -> "acme-support"). */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'instance';
}

export function instancePublicUrl(publicUrl: string, slug: string): string {
  return `${trimTrailingSlash(publicUrl)}/i/${slug}`;
}

export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
