// === int-literals
println 42
println(-7)
println 1_000_000
println 0x1F
// === decimal-literals
println 1.50
println 0.1 + 0.2
println 3.0
println(-2.25)
// === long-literal
println 123L
println 2147483648
println(2147483647 + 1L)
// === booleans-null
println true
println false
println null
println(!true)
// === int-division-is-decimal
println 1/2
println 4/2
println 7/7
println 10/4
// === division-rounding
println 1/3
println 2/3
println 10/3
println 1/30
println 100/7
// === division-scale
println 1.0/2
println 1.00/4
println 10/0.5
println 100/5
println 1.5/0.5
// === intdiv-mod
println 7.intdiv(2)
println(-7.intdiv(2))
println 7 % 3
println(-7 % 3)
println 7.intdiv(-2)
// === int-overflow
println Integer.MAX_VALUE + 1
println Integer.MIN_VALUE - 1
println 65536 * 65536
println 2147483647 * 2
// === long-arith
println 2147483647L + 1
println 10L * 3
println 9223372036854775807L + 1
// === decimal-arith
println 1.5 + 2
println 2.50 * 2
println 1.1 * 1.1
println 10 - 0.25
println 3 * 0.5
// === decimal-compare-equals
println 1.0 == 1
println 1.0 == 1.00
println 2 == 2L
println 0.5 < 1
println 1.5 > 1.49
// === power
println 2 ** 10
println 2 ** 31
println 1.5 ** 2
// === string-single-double
println 'single'
println "double"
println 'it\'s'
println "tab\there"
// === gstring-interpolation
def name = 'World'
def n = 3
println "Hello, ${name}!"
println "n+1 = ${n + 1}"
println "$name has ${name.size()} letters"
// === gstring-dotted-path
def m = [user: [email: 'a@b.c']]
println "mail: $m.user.email"
println "dollar: \$name"
// === gstring-of-collections
def xs = [1, 'two', null]
println "list=${xs} map=${[a: 1]}"
// === triple-single
def s = '''line1
line2'''
println s
println s.readLines().size()
// === triple-double
def who = 'you'
def t = """Dear ${who},
thanks"""
println t
// === slashy
def r = /\d+\.\d+/
println r
println "3.14" ==~ r
println(/a\/b/)
// === list-literal
println([1, 2, 3])
println([])
println([[1, 2], [3]])
println(['a', 'b'])
// === map-literal
println([a: 1, b: 'x'])
println([:])
println(["quoted key": 1])
def k = 'dyn'
println([(k): 2])
println([1: 'one'])
// === nested-map-list
def data = [items: [[id: 1, tags: ['x']], [id: 2, tags: []]]]
println data
println data.items[1].id
// === range-inclusive
println((1..5).toList())
println((1..5).size())
println(5..1)
// === range-exclusive
println((0..<3).toList())
println((0..<0).toList())
println((3..<0).toList())
// === range-contains
println(3 in 1..5)
println(6 in 1..5)
println((1..10).sum())
// === def-and-typed
def a = 1
String b = 'two'
int c = 3
Integer d = 4
BigDecimal e = 5
List<String> f = ['x']
Map<String, Object> g = [k: 1]
println "$a $b $c $d $e $f $g"
// === typed-string-coerces
String s = 42
println s
println s instanceof String
// === multiple-declarations
def x = 1, y = 2
println x + y
def (p, q) = [10, 20]
println p * q
// === assign-ops
def v = 10
v += 5
println v
v -= 3
println v
v *= 2
println v
def str = 'a'
str += 'b'
println str
// === list-leftshift
def list = []
list << 1
list << 2 << 3
println list
list += 4
println list
list -= 2
println list
// === map-leftshift
def m = [a: 1]
m << [b: 2]
println m
// === property-assign-deep
def cfg = [db: [host: 'x']]
cfg.db.host = 'localhost'
cfg.db.port = 5432
cfg['cache'] = [on: true]
cfg.cache['ttl'] = 60
println cfg
// === index-assign-list
def xs = [1, 2, 3]
xs[0] = 10
xs[-1] = 30
xs[5] = 6
println xs
// === arithmetic-precedence
println 2 + 3 * 4
println((2 + 3) * 4)
println 10 - 2 - 3
println 2 * 3 % 4
// === comparison
println 1 < 2
println 'a' < 'b'
println 'abc' <= 'abd'
println 3 >= 3
println null < 1
// === spaceship
println 1 <=> 2
println 2 <=> 2
println 3 <=> 2
println 'b' <=> 'a'
// === logical
println true && false
println true || false
println !false
println (1 && 'x')
println (null || 0)
// === ternary-elvis
def x = null
println x ? 'yes' : 'no'
println x ?: 'default'
println 'given' ?: 'default'
println 0 ?: 'zero is false'
// === safe-navigation
def m = null
println m?.name
println m?.name?.size()
def n = [name: 'Bob']
println n?.name?.size()
// === spread
def people = [[name: 'a', age: 1], [name: 'b', age: 2]]
println people*.name
println people.name
println people*.age.sum()
// === spread-method
println(['a', 'bb']*.size())
println(['x', 'y']*.toUpperCase())
// === in-operator
println 2 in [1, 2, 3]
println 'k' in [k: 1]
println 'z' in ['a', 'b']
// === instanceof
println 1 instanceof Integer
println 1L instanceof Long
println 1.5 instanceof BigDecimal
println 'x' instanceof String
println([] instanceof List)
println([:] instanceof Map)
println null instanceof String
// === as-conversions
println '12' as Integer
println 12 as String
println '1.50' as BigDecimal
println 3.7 as Integer
println '99' as Long
println([1, 2, 2] as Set)
println(([3, 1] as Set) as List)
// === regex-find
def m = 'order 1234 and 5678' =~ /(\d+)/
println m.find()
println m[0][1]
println m[1][1]
println m.size()
// === regex-match
println 'abc' ==~ /a.c/
println 'abcd' ==~ /a.c/
println('XY-12' ==~ /[A-Z]+-\d+/)
// === regex-condition
if ('ticket #42' =~ /#\d+/) println 'has number'
if (!('none' =~ /\d/)) println 'no digits'
// === groovy-truth
println(!!'')
println(!!'a')
println(!![])
println(!![0])
println(!![:])
println(!!0)
println(!!0.0)
println(!!null)
// === equals-semantics
println([1, 2] == [1, 2])
println([a: 1] == [a: 1])
println('a' == 'a')
println(1 == 1.0)
println([1, [2]] == [1, [2]])
println(null == null)
println('1' == 1)
// === if-else
def score = 75
if (score >= 90) {
    println 'A'
} else if (score >= 70) {
    println 'C'
} else {
    println 'F'
}
// === if-single-line
def v = 5
if (v > 3) println 'big' else println 'small'
// === for-in-list
for (x in [1, 2, 3]) {
    print x
}
println ''
// === for-in-map
for (e in [a: 1, b: 2]) {
    println "${e.key}=${e.value}"
}
// === for-classic
for (int i = 0; i < 3; i++) {
    print i
}
println ''
// === for-classic-multi
def out = []
def j = 10
for (def i = 0; i < 3; i++) {
    out << i + j
    j--
}
println out
// === while-loop
def i = 0
while (i < 5) {
    i += 2
}
println i
// === break-continue
def out = []
for (i in 1..10) {
    if (i % 2 == 0) continue
    if (i > 7) break
    out << i
}
println out
// === while-break
def n = 0
while (true) {
    n++
    if (n == 4) break
}
println n
// === switch-basic
def f = { x ->
    switch (x) {
        case 1: return 'one'
        case 'two': return 'string two'
        case [3, 4]: return 'three or four'
        case 5..9: return 'five to nine'
        case ~/h.*/: return 'starts with h'
        case String: return 'other string'
        default: return 'other'
    }
}
println f(1)
println f('two')
println f(4)
println f(7)
println f('hello')
println f('zzz')
println f(100)
// === switch-fallthrough
def hits = []
switch (2) {
    case 1:
        hits << 'one'
    case 2:
        hits << 'two'
    case 3:
        hits << 'three'
        break
    case 4:
        hits << 'four'
}
println hits
// === switch-default-middle
def r = []
switch ('x') {
    case 'a': r << 'a'; break
    default: r << 'default'
    case 'b': r << 'b'
}
println r
// === switch-closure-case
switch (10) {
    case { it > 5 }:
        println 'greater than five'
        break
    default:
        println 'small'
}
// === return-from-method
def sign(n) {
    if (n < 0) return -1
    if (n == 0) return 0
    1
}
println sign(-5)
println sign(0)
println sign(9)
// === implicit-return-if
def classify(n) {
    if (n % 2 == 0) {
        'even'
    } else {
        'odd'
    }
}
println classify(3)
println classify(4)
// === try-catch-finally
def log = []
try {
    log << 'try'
    throw new Exception('boom')
} catch (Exception e) {
    log << "caught ${e.message}"
} finally {
    log << 'finally'
}
println log
// === try-catch-number-format
try {
    'abc'.toInteger()
} catch (NumberFormatException e) {
    println 'not a number'
}
// === try-multi-catch
try {
    null.size()
} catch (IllegalArgumentException | NullPointerException e) {
    println 'npe caught'
}
// === try-finally-return
def f() {
    try {
        return 'from try'
    } finally {
        println 'finally runs'
    }
}
println f()
// === throw-custom-message
try {
    throw new RuntimeException('custom')
} catch (e) {
    println e.message
}
// === closure-implicit-it
def twice = { it * 2 }
println twice(21)
println([1, 2, 3].collect { it + 1 })
// === closure-params
def add = { a, b -> a + b }
println add(2, 3)
def noArgs = { -> 'nothing' }
println noArgs()
def typed = { String s, int n -> s * n }
println typed('ab', 3)
// === closure-default-param
def greet = { name, greeting = 'Hello' -> "$greeting, $name" }
println greet('Ann')
println greet('Bob', 'Hi')
// === closure-captures
def count = 0
def inc = { count++ }
3.times { inc() }
println count
// === closure-call-method
def c = { x -> x * x }
println c.call(7)
// === closure-returns-early
def firstBig = null
[1, 5, 10].each {
    if (it < 5) return
    if (firstBig == null) firstBig = it
}
println firstBig
// === closure-recursion
def fib
fib = { n -> n < 2 ? n : fib(n - 1) + fib(n - 2) }
println fib(15)
// === method-recursion
def fact(n) { n <= 1 ? 1 : n * fact(n - 1) }
println fact(12)
// === method-default-params
def label(String text, String prefix = '>') {
    "$prefix $text"
}
println label('a')
println label('b', '#')
// === each
def acc = []
[3, 1, 2].each { acc << it * 10 }
println acc
// === each-map-two-params
[a: 1, b: 2].each { k, v -> println "$k -> $v" }
// === each-map-entry
[x: 9].each { println it.key + ':' + it.value }
// === eachWithIndex
['a', 'b', 'c'].eachWithIndex { s, i -> print "$i$s " }
println ''
// === eachWithIndex-map
[p: 1, q: 2].eachWithIndex { k, v, i -> println "$i:$k=$v" }
// === collect
println([1, 2, 3].collect { it * it })
println([a: 1, b: 2].collect { k, v -> "$k$v" })
// === collectEntries
println([1, 2].collectEntries { [(it): it * 10] })
println(['a', 'b'].collectEntries { [it, it.toUpperCase()] })
println([a: 1, b: 2].collectEntries { k, v -> [v, k] })
// === find-findAll
println([1, 2, 3, 4].find { it > 2 })
println([1, 2, 3, 4].findAll { it % 2 == 0 })
println([1, 2].find { it > 5 })
println([a: 1, b: 2, c: 3].findAll { it.value > 1 })
println([a: 1, b: 2].find { k, v -> v == 2 })
// === any-every
println([1, 2, 3].any { it > 2 })
println([1, 2, 3].every { it > 0 })
println([].every { it > 0 })
println([a: 1].any { k, v -> v > 0 })
// === inject
println([1, 2, 3, 4].inject(0) { acc, x -> acc + x })
println([1, 2, 3].inject { a, b -> a * b })
println(['a', 'b'].inject('') { s, x -> s + x })
// === sum
println([1, 2, 3].sum())
println([1.5, 2.5].sum())
println(['a', 'b', 'c'].sum())
println([].sum())
println([1, 2].sum(10))
println([[n: 2], [n: 3]].sum { it.n })
// === max-min
println([3, 9, 1].max())
println([3, 9, 1].min())
println(['bb', 'a', 'ccc'].max { it.size() })
println(['bb', 'a', 'ccc'].min { it.size() })
println([].max())
// === count
println([1, 2, 2, 3].count(2))
println([1, 2, 3, 4].count { it > 1 })
// === join
println([1, 2, 3].join(', '))
println(['a', 'b'].join())
println([].join('-'))
// === sort-no-closure
def xs = [3, 1, 2]
def sorted = xs.sort()
println sorted
println xs
println(['b', 'C', 'a'].sort())
// === sort-with-closure
println([[n: 'b'], [n: 'a']].sort { it.n })
println([3, 1, 2].sort { a, b -> b <=> a })
println(['ccc', 'a', 'bb'].sort { it.size() })
// === sort-no-mutate
def xs = [2, 1]
def ys = xs.sort(false)
println xs
println ys
// === unique
def xs = [1, 2, 1, 3, 2]
println xs.unique()
println xs
println(['a', 'A', 'b'].unique { it.toLowerCase() })
// === reverse-first-last
def xs = [1, 2, 3]
println xs.reverse()
println xs
println xs.first()
println xs.last()
// === size-isEmpty-contains
println([1, 2].size())
println([].isEmpty())
println([1, 2].contains(2))
println([a: 1].containsKey('a'))
println([a: 1].containsKey('b'))
println([a: 1].containsValue(1))
// === map-get-put-remove
def m = [a: 1]
m.put('b', 2)
println m.get('a')
println m.get('zz')
println m.get('c', 3)
println m
println m.remove('a')
println m
// === list-get-remove-add
def xs = [10, 20, 30]
println xs.get(1)
println xs.remove(0)
println xs
xs.add(40)
xs.add(0, 5)
println xs
println xs
// === plus-minus
println([1, 2] + [3])
println([1, 2] + 3)
println([1, 2, 2, 3] - 2)
println([1, 2, 3] - [1, 3])
println([a: 1] + [b: 2])
println([a: 1, b: 2] - [a: 1])
println([1, 2].plus(5))
println([5, 6].minus(5))
// === keySet-values-entrySet
def m = [x: 1, y: 2]
println m.keySet()
println m.values()
println m.entrySet().collect { it.key + it.value }
println m.keySet().contains('x')
// === flatten
println([1, [2, [3, 4]], 5].flatten())
println([[], [1]].flatten())
// === groupBy
println([1, 2, 3, 4, 5].groupBy { it % 2 == 0 ? 'even' : 'odd' })
println(['apple', 'avocado', 'banana'].groupBy { it[0] })
// === take-drop
println([1, 2, 3, 4].take(2))
println([1, 2, 3, 4].drop(3))
println([1].take(5))
println 'abcdef'.take(3)
println 'abcdef'.drop(4)
// === string-trim-case
println '  padded  '.trim()
println 'MiXeD'.toLowerCase()
println 'MiXeD'.toUpperCase()
println 'hello world'.capitalize()
// === string-starts-ends
println 'ticket-1'.startsWith('ticket')
println 'report.pdf'.endsWith('.pdf')
println 'abc'.contains('b')
println 'abc'.equalsIgnoreCase('ABC')
// === string-replace
println 'a-b-c'.replace('-', '+')
println 'a1b22c333'.replaceAll(/\d+/, '#')
println 'John Smith'.replaceAll(/(\w+) (\w+)/, '$2, $1')
println 'aaa'.replaceFirst('a', 'b')
// === string-split-tokenize
println 'a,b,,c,,'.split(',')
println 'a,b,,c'.split(',').size()
println 'one two  three'.split()
println 'a;b,c'.tokenize(';,')
println 'x  y'.tokenize()
println ' lead'.split(' ')
// === string-substring-indexOf
def s = 'Hello, World'
println s.substring(7)
println s.substring(0, 5)
println s.indexOf('o')
println s.indexOf('o', 5)
println s.indexOf('zz')
println s.lastIndexOf('o')
// === string-length-size
println 'abc'.length()
println 'abc'.size()
println ''.isEmpty()
// === string-index
def s = 'abcdef'
println s[0]
println s[-1]
println s[1..3]
println s[0..<2]
// === string-numbers
println '42'.toInteger() + 1
println '9999999999'.toLong()
println '3.50'.toBigDecimal()
println '12'.isNumber()
println '1.5'.isNumber()
println 'x1'.isNumber()
println '7'.isInteger()
println '7.5'.isInteger()
// === string-pad
println 'ab'.padLeft(5) + '|'
println 'ab'.padRight(5, '.') + '|'
println '7'.padLeft(3, '0')
println 'toolong'.padLeft(3)
// === string-format
println String.format('%s has %d items', 'cart', 3)
println String.format('%.2f', 3.14159)
println String.format('%5s|%-5s|', 'a', 'b')
println String.format('%05d', 42)
println String.format('%,d', 1234567)
println String.format('%x', 255)
println String.format('%b %B %%', true, null)
println String.format('%08.3f', 2.5)
// === string-multiply-minus
println 'ab' * 3
println 'hello world' - 'o'
println 'abc' + 1 + 2
println 1 + 2 + 'abc'
// === string-compare
println 'apple' < 'banana'
println 'a'.compareTo('b')
println 'Z' < 'a'
// === string-reverse
println 'stressed'.reverse()
// === string-each-char
def out = []
'abc'.each { out << it.toUpperCase() }
println out
// === string-matches-find
println 'abc123'.matches(/[a-z]+\d+/)
println 'price: 42 EUR'.find(/\d+/)
println 'a1b2c3'.findAll(/\d/)
// === number-methods
println(-5.abs())
println 5.abs()
println 7.toString() + '!'
println 3.toBigDecimal() / 2
println 10.intValue()
// === times-upto
def out = []
3.times { out << it }
1.upto(3) { out << it * 10 }
3.downto(2) { out << -it }
println out
// === decimal-setScale
import java.math.RoundingMode
println 3.14159.setScale(2, BigDecimal.ROUND_HALF_UP)
println 2.5.setScale(0, RoundingMode.HALF_UP)
println 2.5.setScale(0, RoundingMode.HALF_EVEN)
println 1.005.setScale(2, RoundingMode.DOWN)
// === integer-statics
println Integer.parseInt('123') + 1
println Integer.valueOf('7')
println Long.parseLong('5000000000')
println Integer.MIN_VALUE
println Long.MAX_VALUE
// === comments-and-semicolons
// a line comment
def a = 1; def b = 2 /* inline block */
/* a block
   comment */
println a + b;
// === newline-continuation
def total = 1 +
    2 +
    3
println total
def list = [1, 2, 3]
    .collect { it * 2 }
    .findAll { it > 2 }
println list
// === method-chain-newline-args
def r = [3, 1, 2]
    .sort()
    .join(
        '-'
    )
println r
// === command-expression
def shout(s) { println s.toUpperCase() }
shout 'quiet'
println 'no parens'
// === named-args-method
def describe(Map opts) { "${opts.name} is ${opts.age}" }
println describe(name: 'Ann', age: 30)
// === nested-closures
def matrix = [[1, 2], [3, 4]]
println matrix.collect { row -> row.collect { it * 10 } }
println matrix.collect { row -> row.sum() }.sum()
// === closure-in-map
def handlers = [double: { it * 2 }, square: { it * it }]
println handlers.double(4)
println handlers['square'](5)
// === map-iteration-order
def m = [z: 1, a: 2, m: 3]
println m.keySet()
m.remove('a')
m.b = 4
println m
// === map-missing-key-is-null
def m = [a: 1]
println m.missing
println m['missing']
println m.missing?.size()
// === map-sort
println([b: 2, a: 1].sort())
println([x: 3, y: 1].sort { it.value })
println([x: 3, y: 1].max { it.value }.key)
// === map-groupBy-count
def tickets = [[s: 'open'], [s: 'closed'], [s: 'open']]
println tickets.groupBy { it.s }.collectEntries { k, v -> [k, v.size()] }
println tickets.countBy { it.s }
// === set-operations
def s = [1, 2, 2, 3] as Set
s << 3
s.add(4)
println s
println s.size()
println s.contains(2)
println(s - [1, 2])
println(s + [9])
// === set-typed
Set tags = ['a', 'b', 'a']
println tags
println tags instanceof Set
// === unique-preserves-order
println(['c', 'a', 'c', 'b', 'a'].unique())
// === list-equality-mixed-numbers
println([1, 2] == [1L, 2L])
println([1.0] == [1])
// === decimal-printing
println 1.10
println 100.0 / 3
println 0.000001
println 0.0000001
println 1.0E+3
println 123.456 * 1000
// === decimal-negative-division
println(-1 / 3)
println(-7 / 2)
// === integer-compound-types
def total = 0
[1, 2, 3].each { total += it }
println total
// === elvis-chain
def a = null
def b = ''
def c = 'value'
println a ?: b ?: c
// === ternary-nested
def grade = { n -> n > 8 ? 'high' : n > 4 ? 'mid' : 'low' }
println([9, 5, 1].collect(grade))
// === increment-decrement
def i = 5
println i++
println i
println(++i)
println i--
println(--i)
def m = [n: 1]
m.n++
println m.n
def xs = [1]
xs[0] += 5
println xs
// === null-safe-index
def m = [list: null]
println m.list?.size() ?: 0
// === string-interpolation-expressions
def items = ['a', 'b']
println "Count: ${items.size()}, first: ${items[0]}, upper: ${items*.toUpperCase()}"
println "Math: ${1 + 2 * 3}"
println "Ternary: ${items ? 'some' : 'none'}"
// === gstring-equals-string
def n = 'x'
println "${n}y" == 'xy'
// === list-index-out-of-range
def xs = [1, 2]
println xs[5]
println xs[-1]
// === list-range-index
def xs = [1, 2, 3, 4, 5]
println xs[1..3]
println xs[-2..-1]
println xs[3..1]
// === string-to-list
println 'abc'.toList()
println 'abc' as List
// === contains-null
println([1, null].contains(null))
println([null].size())
// === nested-data-update
def ticket = [fields: [tags: ['a']]]
ticket.fields.tags << 'b'
ticket.fields.priority = 'High'
println ticket
// === map-each-with-return-value
def m = [a: 1]
def r = m.each { k, v -> }
println r
// === find-on-empty
println([].find { true })
println([].findAll { true })
println([].collect { it })
// === first-last-empty-guard
def xs = []
println xs ? xs.first() : 'empty'
// === string-capitalize-each-word
println 'the quick fox'.split(' ').collect { it.capitalize() }.join(' ')
// === label-mapping-pattern
def labelMap = ['bug': 'defect', 'feature': 'enhancement']
def labels = ['bug', 'ui', 'feature']
println labels.collect { labelMap[it] ?: it }
// === status-map-pattern
def statusMap = ['Open': 'assigned', 'Pending': 'waiting_for', 'Resolved': 'completed']
def remote = 'Pending'
println statusMap[remote] ?: 'in_progress'
println statusMap.get('Closed', 'completed')
// === comment-filter-pattern
def comments = [[body: 'public', internal: false], [body: 'secret', internal: true]]
println comments.findAll { !it.internal }.collect { it.body }
// === inject-map
def counts = ['a', 'b', 'a'].inject([:]) { m, x -> m[x] = (m[x] ?: 0) + 1; m }
println counts
// === with-closure
def m = [a: 1].with { it.a + 1 }
println m
// === boolean-operators-non-short
println true & false
println true | false
println true ^ true
// === bit-ops
println 6 & 3
println 6 | 3
println 6 ^ 3
println 1 << 4
println 256 >> 2
// === unary-minus-expr
def x = 5
println(-x)
println(-(x + 1))
println(-1.5)
// === decimal-toInteger
println 7.9.toInteger()
println(-7.9 as Integer)
println 10.5.intValue()
// === string-number-concat
println 'v' + 1.50
println 'n' + null
println "" + [1]
// === assert-passing
assert 1 + 1 == 2
assert [1, 2].size() == 2 : 'size'
println 'asserts passed'
// === list-addAll-removeAll
def xs = [1]
xs.addAll([2, 3])
println xs
xs.removeAll([1, 3])
println xs
xs.clear()
println xs
// === list-indexOf
println([5, 6, 7].indexOf(6))
println([5, 6, 7].indexOf(9))
println(['a', 'b'].lastIndexOf('a'))
// === list-subList
println([1, 2, 3, 4].subList(1, 3))
// === list-intersect
println([1, 2, 3].intersect([2, 3, 4]))
// === list-collect-nested-spread
def rows = [[tags: ['a', 'b']], [tags: ['c']]]
println rows*.tags.flatten()
println rows.collectMany { it.tags }
// === list-findIndexOf-findResult
println([5, 7, 9].findIndexOf { it > 6 })
println([1, 2, 3].findResult { it > 1 ? it * 10 : null })
// === string-tokenize-join-roundtrip
def csv = 'a, b ,c'
println csv.split(',')*.trim().join('|')
// === string-lines
def text = '''one
two
three'''
println text.readLines()
println text.split('\n').size()
// === string-contains-ignorecase
def s = 'Urgent: Server down'
println s.toLowerCase().contains('urgent')
// === string-equals-method
println 'a'.equals('a')
println 'a'.equals('b')
// === max-min-maps
def list = [[n: 'x', p: 3], [n: 'y', p: 7]]
println list.max { it.p }.n
println list.min { it.p }.n
// === for-over-string-chars
def out = ''
for (ch in 'abc') out = ch + out
println out
// === while-with-continue
def i = 0
def odd = []
while (i < 6) {
    i++
    if (i % 2 == 0) continue
    odd << i
}
println odd
// === nested-loops-break
def found = null
for (a in 1..3) {
    for (b in 1..3) {
        if (a * b == 6) {
            found = [a, b]
            break
        }
    }
    if (found) break
}
println found
// === switch-in-loop-continue
def out = []
for (x in [1, 2, 3]) {
    switch (x) {
        case 2:
            continue
        default:
            out << x
    }
}
println out
// === switch-returns-from-closure
def pick = { s ->
    switch (s) {
        case 'Open': 'assigned'; break
        default: 'other'
    }
}
println pick('Open')
// === try-nested
try {
    try {
        throw new IllegalArgumentException('inner')
    } finally {
        println 'inner finally'
    }
} catch (IllegalArgumentException e) {
    println 'outer caught ' + e.message
}
// === exception-toString
def e = new Exception('bad')
println e.message
println e
// === catch-runtime-npe
def m = null
try {
    m.foo
} catch (NullPointerException e) {
    println 'npe: ' + e.message
}
// === catch-index
try {
    [1, 2].get(5)
} catch (IndexOutOfBoundsException e) {
    println 'out of bounds'
}
// === catch-arithmetic
try {
    println 1 / 0
} catch (ArithmeticException e) {
    println 'arith: ' + e.message
}
// === closure-curry
def add = { a, b -> a + b }
def add5 = add.curry(5)
println add5(10)
// === closure-as-comparator-var
def byLength = { a, b -> a.size() <=> b.size() }
println(['ccc', 'a', 'bb'].sort(byLength))
// === method-calls-method
def dbl(x) { x * 2 }
def quad(x) { dbl(dbl(x)) }
println quad(3)
// === method-typed-return
String greet(String name) {
    return "hi " + name
}
int twice(int n) { n * 2 }
println greet('x')
println twice(4)
// === date-format-fixed
def d = new Date(0)
println d.format('yyyy-MM-dd HH:mm')
println new java.text.SimpleDateFormat('yyyy/MM/dd').format(new Date(86400000L * 365))
// === import-lines
import java.text.SimpleDateFormat
def f = new SimpleDateFormat('yyyy')
println f.format(new Date(0))
// === list-multiply
println([1, 2] * 2)
// === list-negative-index-assign
def xs = ['a', 'b']
xs[-2] = 'z'
println xs
// === map-keys-numbers
def m = [:]
m[1] = 'one'
m['1'] = 'string one'
println m.size()
println m[1]
// === map-nested-default
def m = [:]
(m.a = m.a ?: [:]).b = 1
println m
// === string-multiline-indexing
def s = """first
second"""
println s.split('\n')[1]
// === list-of-maps-sort-two-keys
def list = [[a: 2, b: 1], [a: 1, b: 2], [a: 2, b: 0]]
println list.sort { x, y -> x.a <=> y.a ?: x.b <=> y.b }
// === count-chars
println 'banana'.count('a')
// === toSet-toList
println([1, 1, 2].toSet())
println([1, 2].toSet().toList())
// === range-each-collect
def out = []
(1..3).each { out << it }
println out
println((1..4).collect { it * it })
println((1..6).findAll { it % 3 == 0 })
// === range-step-reverse
println((5..1).collect { it })
println((1..3).reverse())
// === gstring-map-key-lookup
def key = 'b'
def m = [a: 1, b: 2]
println m."$key"
println m["${key}"]
// === string-property-quoted
def m = ['Field name': 'val']
println m.'Field name'
println m."Field name"
// === empty-property
println([].empty)
println 'x'.empty
// === sum-decimals-scale
println([1.10, 2.20, 3.30].sum())
println([0.5, 0.25].sum() * 2
)
// === compare-mixed-number-types
println 1L < 2
println 2.5 > 2
println 3 == 3.0
// === integer-division-compound
def x = 7
x /= 2
println x
// === long-overflow-wrap
println Long.MAX_VALUE + 1
// === string-plus-list
println 'items: ' + [1, 2]
// === list-of-lists-collect-join
println([[1, 2], [3, 4]].collect { it.join('+') }.join(' | '))
// === truthiness-in-conditions
def checks = [0, 1, '', 'a', [], [1], [:], [k: 1], null, 0.0, 1.0]
println checks.collect { it ? 'T' : 'F' }.join('')
// === matcher-find-advances
def m = "a1b2" =~ /\d/
println m.find(); println m.group(); println m.find(); println m.group(); println m.find()
def w = "a1b22c333" =~ /\d+/
while (w.find()) { println w.group() + " at " + w.start() + ".." + w.end() }
println w.find()
// === matcher-truth-is-find
def m2 = "a1b2" =~ /\d/
if (m2) println m2.group()
if (m2) println m2.group()
println m2.size()
try { m2.group() } catch (e) { println e.message }
println m2[0]
println m2.group()
println m2.find()
println m2.group()
if ("Issue KEY-12" =~ /KEY/) println "has key"
println(("abc" =~ /z/) ? "y" : "n")
// === matcher-index-groups
def m3 = "k=v, a=b" =~ /(\w)=(\w)/
println m3[0][1]; println m3[1]; println m3.size(); println m3.hasGroup(); println m3.groupCount()
println m3.count
def x = "Issue KEY-12 and KEY-34" =~ /KEY-(\d+)/
println x.size() + " " + x[1][1] + " " + x[-1]
println(("a1" =~ /(x)?(\d)/)[0])
try { println m3[5] } catch (e) { println e.message }
// === matcher-each-collect
def m3 = "k=v, a=b" =~ /(\w)=(\w)/
m3.each { println it }
m3.each { all, k, v -> println "$k:$v" }
println m3.collect { it[2] }
def m = "x1y22" =~ /\d+/
for (d in m) println d
println m.find { it.size() > 1 }
println m.any { it == '1' }
println(("Issue KEY-12 and KEY-34" =~ /KEY-\d+/).collect { it })
"one two".eachMatch(/\w+/) { println it }
"k=v a=b".eachMatch(/(\w)=(\w)/) { all, k, v -> println v + k }
// === matcher-named-groups
def n = "date: 2024-01-05" =~ /(?<y>\d{4})-(?<mo>\d\d)/
println n.find(); println n.group('y'); println n.group('mo'); println n.start(); println n.end()
println n.start(2) + " " + n.end('mo')
try { n.group('zz') } catch (e) { println e.message }
try { n.group(3) } catch (e) { println e.message }
println "2024-01-05".replaceAll(/(?<y>\d+)-(?<m>\d+)-(?<d>\d+)/, '${d}.${m}.${y}')
// === matcher-matches-and-full-match
def mm = "abc" =~ /a(b)c/
println mm.matches(); println mm.group(1)
println "abc" ==~ /a.c/
println "ab\ncd" ==~ /(?m)ab$/
println "ab\ncd".matches(/(?s)ab.cd/)
println "ab" ==~ /a|ab/
println(("abx" =~ /abc/).matches())
def c = "abcabc" =~ /b/
println c.find(3)
println c.start()
println(("x" =~ /y/).find())
def e = "abc" =~ /x*/
def k = 0
while (e.find()) { k++; print e.start() + "," }
println k
println("a1b2" =~ /\d/)
// === replace-with-closure
println "abc".replaceAll(/b/) { it.toUpperCase() }
println "k=v, a=b".replaceAll(/(\w)=(\w)/) { all, k, v -> "$v=$k" }
println "k=v".replaceAll(/(\w)=(\w)/) { it }
println "ab".replaceFirst(/\w/) { it * 2 }
println "ab".replaceAll(/x*/) { "-" }
println "a-b".replaceAll(/(?<w>\w)/) { all, w -> w.toUpperCase() }
println "abc".replaceAll(/b/) { null }
println "2024-01-05".replaceFirst(/(\d+)-(\d+)-(\d+)/) { all, y, mo, d -> "$d/$mo/$y" }
println "price 10 and 25".replaceAll(/\d+/) { (it as int) * 2 }
println "a.b".replaceAll(~/\./) { '$' }
// === json-slurper-parse-text
import groovy.json.JsonSlurper
def j = new JsonSlurper().parseText('{"a": 1, "b": [true, null, 2.50, "x\\u00e9\\n"], "c": {"d": 12345678901, "e": -1e2}}')
println j
println j.a + 1
println j.b[2] instanceof BigDecimal
println j.c.e
println new JsonSlurper().parseText('[1,2]')
println new JsonSlurper().parseText(' "s" ')
try { new JsonSlurper().parseText('{"a": }') } catch (e) { println "refused" }
// === json-output
import groovy.json.JsonSlurper
import groovy.json.JsonOutput
def j = new JsonSlurper().parseText('{"a": 1, "b": [true, null, 2.50, "x\\u00e9\\n"], "c": {"d": 12345678901, "e": -1e2}}')
println JsonOutput.toJson(j)
println JsonOutput.toJson([name: "é/\"q\"\t", n: null, l: [1, 2.5, 'x'], m: [:], e: []])
println JsonOutput.prettyPrint(JsonOutput.toJson([a: [1, [b: 2]], c: [:], d: [], s: "x y"]))
println JsonOutput.toJson("hi")
println JsonOutput.toJson(3)
// === pattern-compile
import java.util.regex.Pattern
def p = Pattern.compile("(\\d+)")
def m = p.matcher("ab 12 cd 345")
while (m.find()) println m.group(1)
println p.pattern()
println Pattern.matches("a.c", "abc")
println Pattern.quote("a.b")
println "x.y".split(Pattern.quote("."))
def p2 = Pattern.compile("ab", Pattern.CASE_INSENSITIVE)
println p2.matcher("xAB").find()
println "a1b2".findAll(p)
println "A1".replaceAll(p) { "<$it>" }
// === elvis-and-ternary-continuation-lines
def m = [a: 1]
def x = m.b
    ?: 5
println x
def y = m.a
    ? "yes"
    : "no"
println y
def z = m.a ?:
    9
println z
// === annotations-without-run-time-effect
import groovy.transform.Field
@Field def limit = 3
@SuppressWarnings("unused")
def over(n) { n > limit }
@Deprecated
def twice(n) { n * 2 }
println over(4)
println twice(limit)
def a = 1
if ((a = 3)) println a
// === java-time-local-date
import java.time.*
def d = LocalDate.of(2024, 1, 31)
println d
println d.plusDays(1)
println d.minusDays(31)
println d.plusMonths(1)
println "${d.getYear()} ${d.getMonthValue()} ${d.getDayOfMonth()} ${d.year} ${d.dayOfWeek}"
println LocalDate.parse('2024-02-29').isBefore(d)
println LocalDate.parse('2024-02-29').isAfter(d)
println d.equals(LocalDate.of(2024, 1, 31))
println d == LocalDate.parse('2024-01-31')
println d < LocalDate.of(2024, 2, 1)
println LocalDate.of(2024, 3, 10).atStartOfDay()
println LocalDate.of(10000, 1, 1)
println d instanceof LocalDate
// === java-time-local-date-time
import java.time.LocalDateTime
def t = LocalDateTime.of(2024, 1, 15, 10, 30)
println t
println t.plusHours(20).plusMinutes(45)
println t.minusMinutes(31).toString()
println LocalDateTime.parse('2024-01-15T10:30:05.250')
println LocalDateTime.of(2024, 1, 15, 23, 59, 59)
println t.isBefore(t.plusMinutes(1))
// === java-time-instant
import java.time.Instant
import java.time.Duration
import java.time.ZonedDateTime
def i = Instant.parse('2024-01-15T10:30:00Z')
println i
println i.toEpochMilli()
println Instant.ofEpochMilli(1705314600123L)
println i.plusSeconds(90)
println i.plus(Duration.ofHours(2))
println Instant.parse('2024-01-15T12:30:00+02:00')
println ZonedDateTime.parse('2024-01-15T10:30:00+02:00')
println ZonedDateTime.parse('2024-01-15T10:30:00Z').toInstant()
println ZonedDateTime.parse('2024-01-15T10:30:00+02:00').toInstant().toEpochMilli()
// === java-time-duration
import java.time.*
println Duration.ofDays(2)
println Duration.ofHours(25).toDays()
println Duration.ofMinutes(-90)
println Duration.ofMinutes(135).toHours()
def dur = Duration.between(Instant.parse('2024-01-15T10:30:00Z'), Instant.parse('2024-01-16T12:45:30.5Z'))
println dur
println "${dur.toMinutes()} ${dur.toHours()} ${dur.toDays()} ${dur.toMillis()}"
def t = LocalDateTime.of(2024, 1, 15, 10, 30)
println Duration.between(t, t.plusMinutes(5)).toMinutes()
println Duration.between(Instant.ofEpochMilli(60000L), Instant.ofEpochMilli(30000L))
println Duration.ZERO
println Duration.ofSeconds(-1).plus(Duration.ofMillis(500))
// === java-time-formatter
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.Instant
import java.time.format.DateTimeFormatter
def d = LocalDate.of(2024, 1, 5)
println d.format(DateTimeFormatter.ofPattern('dd/MM/yyyy'))
println DateTimeFormatter.ISO_LOCAL_DATE.format(d)
println LocalDate.parse('15/01/2024', DateTimeFormatter.ofPattern('dd/MM/yyyy'))
def fmt = DateTimeFormatter.ofPattern('yyyy-MM-dd HH:mm:ss')
println LocalDateTime.of(2024, 1, 15, 23, 59, 59).format(fmt)
println fmt.format(LocalDateTime.of(2024, 1, 15, 8, 5))
println LocalDateTime.parse('2024-01-15 10:30:00', fmt)
println DateTimeFormatter.ISO_INSTANT.format(Instant.parse('2024-01-15T10:30:00Z'))
// === java-sql-timestamp
import java.sql.Timestamp
import java.time.LocalDateTime
def ts = new Timestamp(1705314600123L)
println ts
println ts.getTime()
println Timestamp.valueOf('2024-01-15 10:30:00')
println Timestamp.valueOf('2024-01-15 10:30:00.123456789')
println Timestamp.valueOf(LocalDateTime.of(2024, 1, 15, 10, 30))
println new Timestamp(0L).time
println ts.toInstant()
println ts.before(new Timestamp(1705314600124L))
// === class-fields-methods
class Counter {
    int count = 0
    String label = 'n'
    def add(int n) { count += n; this }
    def twice(int n) { add(n); add(n) }
    String show() { "${label}=${count}" }
}
def c = new Counter(label: 'x')
c.twice(3)
println c.show()
println c.count
c.count = 10
println c.getCount()
c.setLabel('y')
println c.label
println new Counter().show()
println(c == new Counter())
println(c == c)
println(c instanceof Counter)
// === class-constructors-static
class Point {
    def x
    def y
    static final String UNIT = 'px'
    static int made = 0
    Point(x, y) { this.x = x; this.y = y; made++ }
    Point() { this(0, 0) }
    def add(Point o) { new Point(x + o.x, y + o.y) }
    String toString() { "(${x}, ${y})${UNIT}" }
    static Point origin() { new Point() }
}
def p = new Point(1, 2).add(new Point(3, 4))
println p
println Point.origin()
println Point.UNIT
println Point.made
println "${p} and ${[p]}"
try { new Point(1) } catch (GroovyRuntimeException e) { println 'no constructor for one argument' }
// === class-errors
class Account { int balance }
def secret = 5
class Peek { def look() { secret } }
try { new Peek().look() } catch (MissingPropertyException e) { println e.message }
try { new Account(owner: 'x') } catch (MissingPropertyException e) { println e.message }
try { new Account().owner } catch (MissingPropertyException e) { println e.message }
try { new Account().close() } catch (MissingMethodException e) { println 'no close()' }
try { Account bad = 'text' } catch (ClassCastException e) { println 'not an Account' }
try { new Account(balance: 'lots') } catch (ClassCastException e) { println 'balance is an int' }
// === class-closures-this-recursion
class Adder {
    def base = 10
    def adder() { return { x -> x + base } }
    def scaled() { [1, 2].collect { it * this.base } }
}
println new Adder().adder()(5)
println new Adder().scaled()
class Maths { def fact(k) { k <= 1 ? 1 : k * fact(k - 1) } }
println new Maths().fact(10)
class Holder {
    def items = []
    def put(x) { items << x; this }
}
println new Holder().put(1).put(2).items
println new Holder().items
class Mapper {
    private Map table
    Mapper(Map table) { this.table = table }
    def map(key) { table[key] ?: key }
}
def statuses = new Mapper(['To Do': 'open', Done: 'closed'])
println([statuses.map('Done'), statuses.map('Review')])
// === safe-navigation-assignment
def a = null
a?.b = 5
println a
def m = [b: 1]
m?.b = 9
println m
println((a?.c = 7))
def cnt = 0
a?.b = { cnt++; 42 }()
println cnt
def s = null
s?.x += 'abc'
println s
def n = [k: [v: 1]]
n.k?.v = 2
n.z?.v = 3
println n
// === qualified-class-names
println java.time.LocalDate.parse('2024-01-15').plusDays(1)
println java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").format(java.time.LocalDateTime.of(2024, 1, 15, 10, 30))
def f = java.time.format.DateTimeFormatter
    .ofPattern('dd/MM/yyyy')
    .format(java.time.LocalDate.of(2024, 2, 3))
println f
println java.time.format.DateTimeFormatter.ISO_LOCAL_DATE.format(java.time.LocalDate.of(2024, 2, 3))
println java.lang.Math.max(3, 4)
println java.util.regex.Pattern.compile('a+').matcher('caab').find()
println groovy.json.JsonOutput.toJson([a: 1, b: [2, 3]])
println java.sql.Timestamp.valueOf('2024-01-15 10:30:00').toLocalDateTime().withNano(0)
println new java.util.ArrayList([1, 2]).size()
// === java-time-with-nano
import java.time.*
def t = LocalDateTime.of(2024, 1, 15, 10, 30, 15, 123456789)
println t.withNano(0)
println t.withNano(5000000)
println t.withNano(1)
println ZonedDateTime.parse('2024-01-15T10:30:15.5+02:00').withNano(0)
try { t.withNano(1000000000) } catch (DateTimeException e) { println e.message }
println LocalDateTime.of(1969, 12, 31, 23, 59, 59, 900000000).withNano(0)
// === class-accessors-named-arguments
class Temperature {
    def celsius = 0
    def getFahrenheit() { celsius * 9 / 5 + 32 }
    void setFahrenheit(f) { celsius = (f - 32) * 5 / 9 }
    String getLabel() { "${celsius}C" }
}
def t = new Temperature(celsius: 100)
println t.fahrenheit
t.fahrenheit = 50
println t.celsius
println t.label
println t.getLabel()
class Ticket {
    def id
    def tags = []
    static int opened = 0
    Ticket() { opened++ }
    static String prefix() { 'T-' }
    String key() { prefix() + id }
}
def k = new Ticket(id: 7, tags: ['a'])
println k.key()
println k.tags
println Ticket.opened
println k.opened
new Ticket()
println Ticket.opened
def handlers = new Ticket(id: 8)
println([handlers.id, handlers.getId()])
// === class-def-constructor
class Converter {
  def helper
  def prefix
  public def Converter(def helper, String prefix = '>') {
    this.helper = helper
    this.prefix = prefix
  }
  private def line(String text) { "${prefix} ${helper(text)}" }
  public def convert(String text) { text.split('\n').collect { line(it) }.join('|') }
}
def upper = { it.toUpperCase() }
println new Converter(upper).convert('a\nb')
println new Converter(upper, '#').convert('c')
// === class-this-reads-the-field
class A {
  def x = 1
  def getX() { this.x + 1 }
  void setX(v) { this.x = v * 10 }
  def viaThis() { this.x }
  def bare() { x }
}
def a = new A()
println a.x
a.x = 2
println a.x
println a.viaThis()
println a.bare()
println a.getX()
