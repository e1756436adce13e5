// Runs every snippet of snippets.groovy in a fresh GroovyShell and prints {name: stdout} as JSON.
// Used by regenerate.ts; needs Debian's groovy (2.4) and Java 17.
import groovy.json.JsonOutput

def file = new File(args[0])
def snippets = new LinkedHashMap()
def name = null
def lines = []
file.eachLine { line ->
    def m = line =~ /^\/\/ === (.+)$/
    if (m.matches()) {
        if (name != null) snippets[name] = lines.join('\n')
        name = m.group(1).trim()
        lines = []
    } else if (name != null) {
        lines << line
    }
}
if (name != null) snippets[name] = lines.join('\n')

def results = new LinkedHashMap()
snippets.each { n, code ->
    def sw = new StringWriter()
    def binding = new Binding()
    binding.setProperty('out', new PrintWriter(sw, true))
    try {
        new GroovyShell(binding).evaluate(code, 'Snippet.groovy')
    } catch (Throwable t) {
        sw.write('!! ' + t.getClass().getSimpleName() + '\n')
    }
    results[n] = sw.toString()
}
println JsonOutput.prettyPrint(JsonOutput.toJson(results))
