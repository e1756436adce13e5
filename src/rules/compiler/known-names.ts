/**
 * The names a script may use without declaring them: the Java and Groovy classes it may mention (for `as`,
 * `instanceof`, case labels and static helpers like String.format), the exception classes `catch` knows, and the
 * built-in functions.
 */
import { timeClassNames } from '../methods/java-time.ts';

/** Simple name to full name of each class a script may mention. */
export const classNames: ReadonlyMap<string, string> = new Map([
  ['String', 'java.lang.String'],
  ['Integer', 'java.lang.Integer'],
  ['Long', 'java.lang.Long'],
  ['BigDecimal', 'java.math.BigDecimal'],
  ['Boolean', 'java.lang.Boolean'],
  ['Number', 'java.lang.Number'],
  ['Object', 'java.lang.Object'],
  ['List', 'java.util.List'],
  ['ArrayList', 'java.util.ArrayList'],
  ['Map', 'java.util.Map'],
  ['HashMap', 'java.util.HashMap'],
  ['LinkedHashMap', 'java.util.LinkedHashMap'],
  ['Set', 'java.util.Set'],
  ['HashSet', 'java.util.HashSet'],
  ['Collection', 'java.util.Collection'],
  ['Date', 'java.util.Date'],
  ['Closure', 'groovy.lang.Closure'],
  ['Exception', 'java.lang.Exception'],
  ['RuntimeException', 'java.lang.RuntimeException'],
  ['IssueTrackerException', 'com.exalate.api.exception.IssueTrackerException'],
  ['Math', 'java.lang.Math'],
  ['RoundingMode', 'java.math.RoundingMode'],
  ['Pattern', 'java.util.regex.Pattern'],
  ['Matcher', 'java.util.regex.Matcher'],
  ['JsonSlurper', 'groovy.json.JsonSlurper'],
  ['JsonOutput', 'groovy.json.JsonOutput'],
  ...timeClassNames,
]);

/** Full name to simple name, for `java.time.LocalDate.parse(...)` written out in full. */
export const simpleClassNames: ReadonlyMap<string, string> = new Map(
  [...classNames].map(([simple, full]) => [full, simple]),
);

/** Exception classes and their parents, for `catch (SomeException e)`. */
const exceptionParents: Record<string, string> = {
  NumberFormatException: 'IllegalArgumentException',
  PatternSyntaxException: 'IllegalArgumentException',
  IllegalArgumentException: 'RuntimeException',
  IllegalStateException: 'RuntimeException',
  NullPointerException: 'RuntimeException',
  MissingPropertyException: 'GroovyRuntimeException',
  MissingMethodException: 'GroovyRuntimeException',
  GroovyRuntimeException: 'RuntimeException',
  JsonException: 'GroovyRuntimeException',
  GroovyCastException: 'ClassCastException',
  ClassCastException: 'RuntimeException',
  IndexOutOfBoundsException: 'RuntimeException',
  ArrayIndexOutOfBoundsException: 'IndexOutOfBoundsException',
  StringIndexOutOfBoundsException: 'IndexOutOfBoundsException',
  ArithmeticException: 'RuntimeException',
  NoSuchElementException: 'RuntimeException',
  UnsupportedOperationException: 'RuntimeException',
  IllegalFormatConversionException: 'IllegalArgumentException',
  MissingFormatArgumentException: 'IllegalArgumentException',
  ParseException: 'Exception',
  DateTimeException: 'RuntimeException',
  DateTimeParseException: 'DateTimeException',
  UnsupportedTemporalTypeException: 'DateTimeException',
  RuntimeException: 'Exception',
  IssueTrackerException: 'Exception',
  Exception: 'Throwable',
  AssertionError: 'Error',
  Error: 'Throwable',
};

/** Whether an exception of `javaType` is caught by `catch (wanted e)`: the type itself or one of its parents. */
export function exceptionMatches(javaType: string, wanted: string): boolean {
  let t: string | undefined = javaType;
  while (t) {
    if (t === wanted) return true;
    t = exceptionParents[t];
  }
  return false;
}

/** Functions a script calls by bare name. */
export const builtinFunctions = ['println', 'print', 'sprintf', 'printf'];
