import type { HubOption } from '../../src/domain/entity.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { CodeMap } from '../../src/domain/helpdesk.ts';

function normalize(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** A platform's status or priority codes with their names (Freshdesk status 2 "Open", Xurrent "in_progress"). */
export class CodeTable<C extends string | number> implements CodeMap {
  private readonly byCode = new Map<string, string>();
  private readonly byName = new Map<string, C>();

  constructor(
    private readonly description: string,
    private readonly entries: ReadonlyArray<readonly [C, string]>,
  ) {
    for (const [code, name] of entries) {
      this.byCode.set(String(code), name);
      this.byName.set(normalize(name), code);
      this.byName.set(normalize(String(code)), code);
    }
  }

  fromCode(code: string | number): HubOption {
    const name = this.byCode.get(String(code));
    return { id: code, name: name ?? String(code) };
  }

  fromName(name: string): HubOption | null {
    const code = this.byName.get(normalize(name));
    return code === undefined ? null : { id: code, name: this.byCode.get(String(code))! };
  }

  toCode(option: HubOption | string | number): C {
    if (typeof option === 'number') return this.coerce(option);
    if (typeof option === 'string') return this.lookup(option);
    if (option.id !== null && option.id !== undefined) return this.coerce(option.id);
    return this.lookup(option.name);
  }

  all(): HubOption[] {
    return this.entries.map(([code, name]) => ({ id: code, name }));
  }

  private lookup(name: string): C {
    const code = this.byName.get(normalize(name));
    if (code === undefined) {
      const known = this.entries.map(([, n]) => n).join(', ');
      throw new DomainError('helpdesk_validation', `${this.description} has no "${name}". Use one of: ${known}.`);
    }
    return code;
  }

  /** Codes pass through even when unknown here: accounts add custom statuses (Freshdesk 6 and up). */
  private coerce(code: string | number): C {
    const sample = this.entries[0]?.[0];
    if (typeof sample === 'number') {
      const value = typeof code === 'number' ? code : Number(code);
      if (Number.isInteger(value)) return value as C;
      return this.lookup(String(code));
    }
    const known = this.byName.get(normalize(String(code)));
    if (known !== undefined) return known;
    return this.lookup(String(code));
  }
}
