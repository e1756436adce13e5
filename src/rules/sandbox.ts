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
  'httpClient',
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
  'syncHelper',
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
