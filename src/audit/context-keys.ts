// `--context key=value[,value]` typed as AWS types its global condition context keys (IAM User
// Guide, "AWS global condition context keys"): a Bool key takes true or false, a Numeric key a
// number, a Date key an ISO 8601 time or epoch seconds, an IP key an address; the multivalued keys
// (ArrayOfString) are always lists. Other keys are strings, or lists when given several values.
import type { ContextValue } from '../policy/index.ts';
import { InputError } from './snapshot.ts';

type KeyType = 'Bool' | 'Numeric' | 'Date' | 'IpAddress' | 'ArrayOfString' | 'String';

const GLOBAL_KEYS: Readonly<Record<string, KeyType>> = {
  'aws:multifactorauthpresent': 'Bool',
  'aws:securetransport': 'Bool',
  'aws:viaawsservice': 'Bool',
  'aws:principalisawsservice': 'Bool',
  'aws:multifactorauthage': 'Numeric',
  'aws:currenttime': 'Date',
  'aws:epochtime': 'Date',
  'aws:tokenissuetime': 'Date',
  'aws:sourceip': 'IpAddress',
  'aws:vpcsourceip': 'IpAddress',
  'aws:tagkeys': 'ArrayOfString',
  'aws:calledvia': 'ArrayOfString',
  'aws:principalservicenameslist': 'ArrayOfString',
  'aws:principalorgpaths': 'ArrayOfString',
  'aws:resourceorgpaths': 'ArrayOfString',
};

const EXPECTED: Readonly<Record<KeyType, string>> = {
  Bool: 'true or false',
  Numeric: 'a number',
  Date: 'an ISO 8601 time or epoch seconds',
  IpAddress: 'an IP address',
  ArrayOfString: 'a list',
  String: 'a string',
};

export type RequestContext = Record<string, ContextValue>;

/** Each `key=value[,value]` entry, typed; a later entry for the same key replaces an earlier one. */
export function parseContext(entries: readonly string[]): RequestContext {
  const context: RequestContext = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new InputError(`--context: "${entry}" is not key=value[,value]`);
    const key = entry.slice(0, equals);
    const values = entry.slice(equals + 1).split(',');
    const type = GLOBAL_KEYS[key.toLowerCase()] ?? 'String';
    if (type === 'ArrayOfString' || (type === 'String' && values.length > 1)) {
      context[key] = values;
      continue;
    }
    if (values.length > 1) throw new InputError(`--context: ${key} is single-valued (${type})`);
    context[key] = typed(key, type, values[0]!);
  }
  return context;
}

function typed(key: string, type: KeyType, value: string): ContextValue {
  const wrong = () =>
    new InputError(`--context: ${key} is a ${type} key; "${value}" is not ${EXPECTED[type]}`);
  switch (type) {
    case 'Bool':
      if (!/^(true|false)$/i.test(value)) throw wrong();
      return value.toLowerCase() === 'true';
    case 'Numeric':
      if (value.trim() === '' || !Number.isFinite(Number(value))) throw wrong();
      return Number(value);
    case 'Date':
      if (!/^\d+$/.test(value) && Number.isNaN(Date.parse(value))) throw wrong();
      return value;
    case 'IpAddress':
      if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*)$/i.test(value)) throw wrong();
      return value;
    default:
      return value;
  }
}
