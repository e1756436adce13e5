import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors.ts';
import { runPlain } from '../../src/rules/index.ts';

const clock = Date.UTC(2024, 0, 15, 10, 30, 45, 123);

function output(script: string, now: () => number = () => clock): string {
  let out = '';
  runPlain(script, { print: (text) => (out += text), now });
  return out;
}

function failure(script: string): DomainError {
  try {
    runPlain(script);
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected the script to fail');
}

describe('java.time and java.sql.Timestamp', () => {
  it("now() reads the run's clock option, in UTC, for every class", () => {
    const script = [
      'import java.time.*',
      'println LocalDate.now()',
      'println LocalDateTime.now()',
      'println Instant.now()',
      'println ZonedDateTime.now()',
      'println Instant.now().toEpochMilli()',
      'println Duration.between(Instant.parse("2024-01-15T10:00:00Z"), Instant.now()).toMinutes()',
    ].join('\n');
    expect(output(script)).toBe(
      '2024-01-15\n2024-01-15T10:30:45.123\n2024-01-15T10:30:45.123Z\n2024-01-15T10:30:45.123Z[UTC]\n1705314645123\n30\n',
    );
    expect(output('import java.time.LocalDate\nprintln LocalDate.now()', () => Date.UTC(2030, 5, 1))).toBe(
      '2030-06-01\n',
    );
  });

  it('a huge plusDays or a Duration overflow is a clear script error that a script can catch', () => {
    const days = failure('import java.time.*\nLocalDate.of(2024, 1, 15).plusDays(Long.MAX_VALUE)');
    expect(days.code).not.toBe('internal');
    expect(days.message).toContain('outside the years');
    expect(failure('import java.time.*\nDuration.ofDays(Long.MAX_VALUE)').message).toContain('long overflow');
    expect(
      failure('import java.time.*\nLocalDateTime.of(2024, 1, 1, 0, 0).plusMinutes(Long.MAX_VALUE)').message,
    ).toContain('outside the years');
    expect(failure('import java.time.*\nLocalDate.of(2024, 1, 1).plusMonths(Integer.MAX_VALUE)').message).toContain(
      'outside the years',
    );
    expect(failure('import java.time.*\nLocalDate.of(2024, 2, 30)').message).toContain("Invalid date 'FEBRUARY 30'");
    expect(
      output(
        'import java.time.*\ntry { Duration.ofDays(Long.MAX_VALUE).plus(Duration.ofDays(1)) } catch (ArithmeticException e) { println "caught" }\n' +
          'try { LocalDate.of(2024, 1, 1).plusDays(Long.MAX_VALUE) } catch (RuntimeException e) { println "caught too" }',
      ),
    ).toBe('caught\ncaught too\n');
  });

  it('java.sql imports other than Timestamp are refused with the class named', () => {
    const e = failure('import java.sql.DriverManager\nprintln 1');
    expect(e.message).toContain('import java.sql.DriverManager is not available');
    expect(failure('import java.sql.*').message).toContain('java.sql.*');
    expect(failure('new java.sql.DriverManager()').message).toContain('java.sql.DriverManager');
    expect(output('import java.sql.Timestamp\nprintln new Timestamp(0L)')).toBe('1970-01-01 00:00:00.0\n');
  });

  it('only the UTC zone is known', () => {
    expect(failure('import java.time.*\nZoneId.of("Europe/Paris")').message).toContain('only the UTC zone');
    expect(output('import java.time.*\nprintln LocalDate.now(ZoneId.of("UTC"))')).toBe('2024-01-15\n');
  });
});
