import type { HubOption } from '../../src/domain/entity.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { CodeMap } from '../../src/domain/helpdesk.ts';
import { findOption, type NamedCode, optionFromCode } from '../../src/domain/status-priority.ts';

/**
 * A platform's status or priority codes with their names, over the shared tables in src/domain/status-priority.ts,
 * plus what a connector needs when writing: a code for an option, or an error naming the valid choices.
 */
export class CodeTable<C extends string | number> implements CodeMap {
  constructor(
    private readonly description: string,
    private readonly options: readonly NamedCode[],
  ) {}

  fromCode(code: string | number): HubOption {
    return optionFromCode(this.options, code);
  }

  fromName(name: string): HubOption | null {
    return findOption(this.options, name);
  }

  toCode(option: HubOption | string | number): C {
    if (typeof option === 'object' && option.id !== null && option.id !== undefined) return this.coerce(option.id);
    if (typeof option === 'number') return this.coerce(option);
    return this.lookup(typeof option === 'string' ? option : option.name);
  }

  all(): HubOption[] {
    return this.options.map((o) => ({ id: o.id, name: o.name }));
  }

  private lookup(name: string): C {
    const found = findOption(this.options, name);
    if (!found || found.id === null) {
      throw new DomainError(
        'helpdesk_validation',
        `${this.description} has no "${name}". Use one of: ${this.options.map((o) => o.name).join(', ')}.`,
      );
    }
    return found.id as C;
  }

  /** Numeric codes pass through even when unknown here: accounts add custom statuses (Freshdesk 6 and up). */
  private coerce(code: string | number): C {
    if (typeof this.options[0]?.id === 'number') {
      const value = Number(code);
      if (Number.isInteger(value)) return value as C;
    }
    return this.lookup(String(code));
  }
}
