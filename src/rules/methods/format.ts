/** java.util.Formatter, the part String.format calls in sync rules: %s %d %f %x %o %b %c %n %% with flags. */
import { decimalToPlainString, GDecimal, GLong, setScaleHalfUp, toBigInt } from '../numbers.ts';
import { checkStringLength, scriptError } from '../runtime.ts';
import { groovyToString, javaTypeName, type Value } from '../values.ts';

const spec = /%(\d+\$)?([-#+ 0,(<]*)(\d+)?(\.\d+)?([a-zA-Z%])/g;

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function conversionError(conv: string, v: Value): Error {
  return scriptError(`${conv} != ${javaTypeName(v)}`, 'type_error', 'IllegalFormatConversionException');
}

export function javaFormat(format: string, args: Value[]): string {
  let next = 0;
  let out = '';
  let last = 0;
  spec.lastIndex = 0;
  for (let m = spec.exec(format); m; m = spec.exec(format)) {
    out += format.slice(last, m.index);
    last = spec.lastIndex;
    const [whole, index, flags = '', widthText, precisionText, conv = ''] = m;
    if (conv === 'n') {
      out += '\n';
      continue;
    }
    if (conv === '%') {
      out += '%';
      continue;
    }
    const width = widthText ? Number(widthText) : 0;
    if (width > 100_000) throw scriptError(`format width ${width} is too large`, 'runtime', 'IllegalArgumentException');
    const precision = precisionText ? Number(precisionText.slice(1)) : -1;
    if (precision > 1000)
      throw scriptError(`format precision ${precision} is too large`, 'runtime', 'IllegalArgumentException');
    const argIndex = index ? Number(index.slice(0, -1)) - 1 : next++;
    if (argIndex >= args.length)
      throw scriptError(`Format specifier '${whole}'`, 'runtime', 'MissingFormatArgumentException');
    const v = args[argIndex] as Value;
    let text: string;
    const lower = conv.toLowerCase();
    switch (lower) {
      case 's':
        text = groovyToString(v);
        if (precision >= 0) text = text.slice(0, precision);
        break;
      case 'b':
        text = v === null ? 'false' : typeof v === 'boolean' ? String(v) : 'true';
        break;
      case 'c':
        if (typeof v === 'number') text = String.fromCodePoint(v);
        else if (typeof v === 'string' && v.length === 1) text = v;
        else throw conversionError(conv, v);
        break;
      case 'd': {
        if (v === null) {
          text = 'null';
          break;
        }
        if (!(typeof v === 'number' || v instanceof GLong)) throw conversionError(conv, v);
        const n = toBigInt(v);
        let digits = (n < 0n ? -n : n).toString();
        if (flags.includes(',')) digits = groupThousands(digits);
        text = signed(n < 0n, digits, flags);
        if (flags.includes('0') && width > text.length) text = zeroPad(text, width);
        break;
      }
      case 'x':
      case 'o': {
        if (v === null) {
          text = 'null';
          break;
        }
        if (!(typeof v === 'number' || v instanceof GLong)) throw conversionError(conv, v);
        let n = toBigInt(v);
        if (n < 0n) n = BigInt.asUintN(typeof v === 'number' ? 32 : 64, n);
        text = n.toString(lower === 'x' ? 16 : 8);
        if (flags.includes('#')) text = (lower === 'x' ? '0x' : '0') + text;
        if (flags.includes('0') && width > text.length) text = text.padStart(width, '0');
        break;
      }
      case 'f': {
        if (v === null) {
          text = 'null';
          break;
        }
        if (!(v instanceof GDecimal)) throw conversionError(conv, v);
        const rounded = setScaleHalfUp(v, precision >= 0 ? precision : 6);
        const plain = decimalToPlainString(rounded);
        const neg = plain.startsWith('-');
        let body = neg ? plain.slice(1) : plain;
        if (flags.includes(',')) {
          const [i, f] = body.split('.');
          body = groupThousands(i ?? '') + (f !== undefined ? `.${f}` : '');
        }
        text = signed(neg && rounded.u !== 0n, body, flags);
        if (flags.includes('0') && width > text.length) text = zeroPad(text, width);
        break;
      }
      default:
        throw scriptError(
          `Conversion = '${conv}' is not supported in sync rules`,
          'runtime',
          'UnknownFormatConversionException',
        );
    }
    if (conv !== lower) text = text.toUpperCase();
    if (width > text.length) text = flags.includes('-') ? text.padEnd(width) : text.padStart(width);
    checkStringLength(out.length + text.length);
    out += text;
  }
  out += format.slice(last);
  checkStringLength(out.length);
  return out;
}

function signed(negative: boolean, digits: string, flags: string): string {
  if (negative) return flags.includes('(') ? `(${digits})` : `-${digits}`;
  if (flags.includes('+')) return `+${digits}`;
  if (flags.includes(' ')) return ` ${digits}`;
  return digits;
}

function zeroPad(text: string, width: number): string {
  const sign = /^[-+ (]/.test(text) ? text.charAt(0) : '';
  return sign + text.slice(sign.length).padStart(width - sign.length, '0');
}
