import type { Expr } from './ast.ts';

/**
 * What a script may name. The interpreter never looks a name up on a host (JS) object: every property and method
 * goes through explicit tables, so there is no path to prototypes, reflection, the process or the file system.
 * These lists exist to turn an attempt into a clear error instead of a confusing "no such property".
 */

/** Members that are reflection or escape routes in Groovy or JavaScript; never readable, writable or callable. */
export const forbiddenMembers: ReadonlySet<string> = new Set([
  'class',
  'getClass',
  'metaClass',
  'getMetaClass',
  'setMetaClass',
  'invokeMethod',
  'getProperty',
  'setProperty',
  'properties',
  'getProperties',
  'metaPropertyValues',
  'getMetaPropertyValues',
  'respondsTo',
  'hasProperty',
  'declaredFields',
  'declaredMethods',
  'getDeclaredMethods',
  'getDeclaredMethod',
  'getDeclaredField',
  'getMethod',
  'getMethods',
  'getFields',
  'classLoader',
  'getClassLoader',
  'forName',
  'newInstance',
  'execute',
  'evaluate',
  'getDelegate',
  'setDelegate',
  'getOwner',
  'getThisObject',
  'setResolveStrategy',
  'rehydrate',
  'dehydrate',
  'methodMissing',
  'propertyMissing',
  'binding',
  'getBinding',
  'setBinding',
  'mixin',
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** Global names a script might reach for to escape; reading them is a sandbox error, not a missing variable. */
export const forbiddenGlobals: ReadonlySet<string> = new Set([
  'System',
  'Runtime',
  'Eval',
  'Thread',
  'ThreadGroup',
  'File',
  'Files',
  'Path',
  'Paths',
  'URL',
  'URI',
  'Class',
  'ClassLoader',
  'GroovyShell',
  'GroovyClassLoader',
  'GroovySystem',
  'ProcessBuilder',
  'Process',
  'Socket',
  'ServerSocket',
  'HttpURLConnection',
  'URLConnection',
  'Script',
  'Binding',
  'Proxy',
  'Method',
  'Field',
  'Unsafe',
  'Executors',
  'Timer',
  'InvokerHelper',
  'MetaClass',
  'ExpandoMetaClass',
  'Expando',
  'ObjectInputStream',
  'InputStream',
  'OutputStream',
  'FileReader',
  'FileWriter',
  'Scanner',
  'Console',
  'SecurityManager',
  'Sql',
  'XmlSlurper',
  'evaluate',
  'execute',
  'sleep',
  'exit',
  'binding',
  'args',
  'context',
  'process',
  'require',
  'globalThis',
  'global',
  'eval',
  'Function',
  'Reflect',
  'Object',
  'java',
  'javax',
  'groovy',
  'sun',
  'jdk',
  'org',
  'store',
  'this',
  'super',
  'getClass',
  'metaClass',
  'class',
  'owner',
  'delegate',
  'thisObject',
  '__proto__',
  'constructor',
  'prototype',
]);

/** Classes `new` may create, by simple and full name, mapped to what the interpreter builds. */
export const newableClasses: ReadonlyMap<string, string> = new Map([
  ['Date', 'Date'],
  ['java.util.Date', 'Date'],
  ['SimpleDateFormat', 'SimpleDateFormat'],
  ['java.text.SimpleDateFormat', 'SimpleDateFormat'],
  ['BasicHubComment', 'Comment'],
  ['com.exalate.basic.domain.hubobject.v1.BasicHubComment', 'Comment'],
  ['HubComment', 'Comment'],
  ['BasicHubAttachment', 'Attachment'],
  ['com.exalate.basic.domain.hubobject.v1.BasicHubAttachment', 'Attachment'],
  ['HubAttachment', 'Attachment'],
  ['BasicHubUser', 'User'],
  ['com.exalate.basic.domain.hubobject.v1.BasicHubUser', 'User'],
  ['Exception', 'Exception'],
  ['java.lang.Exception', 'Exception'],
  ['RuntimeException', 'RuntimeException'],
  ['IllegalArgumentException', 'IllegalArgumentException'],
  ['IllegalStateException', 'IllegalStateException'],
  ['IssueTrackerException', 'IssueTrackerException'],
  ['com.exalate.api.exception.IssueTrackerException', 'IssueTrackerException'],
  ['ArrayList', 'List'],
  ['java.util.ArrayList', 'List'],
  ['LinkedList', 'List'],
  ['HashMap', 'Map'],
  ['LinkedHashMap', 'Map'],
  ['java.util.HashMap', 'Map'],
  ['java.util.LinkedHashMap', 'Map'],
  ['HashSet', 'Set'],
  ['LinkedHashSet', 'Set'],
  ['java.util.HashSet', 'Set'],
  ['JsonSlurper', 'JsonSlurper'],
  ['groovy.json.JsonSlurper', 'JsonSlurper'],
  ['Timestamp', 'Timestamp'],
  ['java.sql.Timestamp', 'Timestamp'],
]);

export const newableNames =
  'Date, SimpleDateFormat, Timestamp, JsonSlurper, BasicHubComment, BasicHubAttachment, BasicHubUser, Exception, IssueTrackerException, ArrayList, HashMap, LinkedHashMap, HashSet';

const allowedImportPrefixes = [
  'com.exalate.',
  'java.util.',
  'java.text.',
  'java.math.',
  'groovy.transform.Field',
  'java.time.',
  'groovy.json.JsonSlurper',
  'groovy.json.JsonOutput',
  'groovy.transform.',
];
const blockedImports = [
  'java.util.concurrent',
  'java.util.zip',
  'java.util.jar',
  'java.util.logging',
  'java.util.prefs',
  'java.util.spi',
  'java.util.ServiceLoader',
  'java.util.Timer',
  'java.util.Scanner',
];

/** Import lines are accepted for the classes Exalate scripts import; they grant nothing. Returns a problem or null. */
export function checkImport(name: string): string | null {
  if (name.startsWith('java.sql.'))
    return name === 'java.sql.Timestamp'
      ? null
      : `import ${name} is not available in sync rules: java.sql.Timestamp is the only java.sql class (no database access)`;
  const ok = allowedImportPrefixes.some((p) => name.startsWith(p)) && !blockedImports.some((p) => name.startsWith(p));
  return ok
    ? null
    : `import ${name} is not available in sync rules (only com.exalate.*, java.util.*, java.text.*, java.math.*, java.time.*, java.sql.Timestamp, groovy.json.JsonSlurper/JsonOutput and groovy.transform.* classes can be imported)`;
}

export function forbiddenGlobalMessage(name: string): string {
  return `'${name}' is not available in sync rules: a script can only use entity, replica, previous, firstSync, the helpers and its own variables`;
}

export function forbiddenMemberMessage(name: string): string {
  return `'${name}' is not available in sync rules (reflection and code execution are blocked)`;
}

/** The first segment of a class name written out in full in an expression (`java.time.LocalDate.parse(...)`). */
const packageRoots: ReadonlySet<string> = new Set([
  'java',
  'javax',
  'groovy',
  'groovyx',
  'com',
  'org',
  'net',
  'sun',
  'jdk',
  'scala',
]);

/**
 * A dotted class name in an expression: package segments starting lowercase, then the class (`java.time.LocalDate`,
 * `java.time.format.DateTimeFormatter`); null for anything else. `root` is the first segment, which a local variable
 * of that name would take instead.
 */
export function qualifiedClassName(e: Expr): { full: string; root: string } | null {
  const parts: string[] = [];
  let x: Expr = e;
  while (x.k === 'property') {
    if (x.safe || x.spread || typeof x.name !== 'string') return null;
    parts.unshift(x.name);
    x = x.obj;
  }
  if (x.k !== 'name' || !packageRoots.has(x.name) || parts.length === 0) return null;
  const last = parts[parts.length - 1] as string;
  if (!/^[A-Z]/.test(last) || parts.slice(0, -1).some((p) => !/^[a-z]/.test(p))) return null;
  return { full: [x.name, ...parts].join('.'), root: x.name };
}

/** Packages whose classes reach outside a script: files, processes, network, reflection, threads, code loading. */
const outsidePackages = [
  'java.io.',
  'java.nio.',
  'java.net.',
  'java.lang.reflect.',
  'java.lang.invoke.',
  'java.lang.ref.',
  'java.lang.management.',
  'java.util.concurrent.',
  'java.util.zip.',
  'java.util.jar.',
  'java.security.',
  'javax.crypto.',
  'javax.script.',
  'javax.naming.',
  'java.sql.',
  'java.rmi.',
  'groovy.lang.',
  'groovy.util.',
  'org.codehaus.groovy.',
  'sun.',
  'jdk.',
];

/** Why a class written out in full cannot be used; the class is always named. */
export function qualifiedClassProblem(full: string): string {
  const simple = full.slice(full.lastIndexOf('.') + 1);
  if (forbiddenGlobals.has(simple) || outsidePackages.some((p) => full.startsWith(p)))
    return `'${full}' is not available in sync rules: it reaches outside the script (files, processes, network, reflection or code loading)`;
  return `the class ${full} is not available in sync rules (java.time.*, java.text.SimpleDateFormat, java.util.regex.Pattern, java.math.BigDecimal, java.lang.String/Integer/Long/Math, groovy.json.JsonSlurper/JsonOutput and java.sql.Timestamp can be named in full)`;
}
