// Validation errors in words: the API's model validation names the member and its regular
// expression ("Value at 'userName' failed to satisfy constraint: Member must satisfy regular
// expression pattern: [\w+=,.@-]+"), which API callers expect and people cannot read. The console
// says what a valid value looks like, under the field that holds it, and keeps AWS's text one click
// away (in a <details>).
import { IamError } from '../../domain/errors.ts';
import { html, type Html } from '../html.ts';

interface Words {
  /** What the value is, for the error box: "The user name". */
  readonly what: string;
  /** What a valid value looks like. */
  readonly rule: string;
  /** The form fields (their name) that hold the member. */
  readonly fields: readonly string[];
}

const NAME_CHARACTERS = 'Use letters, digits and + = , . @ _ -';
const TAG_CHARACTERS = 'Use letters, digits, spaces and _ . : / = + - @';

// Keyed by the member the API's message names (tags: any member index).
const WORDS: readonly { readonly member: RegExp; readonly words: Words }[] = [
  {
    member: /^userName$/,
    words: {
      what: 'The user name',
      rule: `${NAME_CHARACTERS} (up to 64 characters).`,
      fields: ['user-name'],
    },
  },
  {
    member: /^roleName$/,
    words: {
      what: 'The role name',
      rule: `${NAME_CHARACTERS} (up to 64 characters).`,
      fields: ['role-name'],
    },
  },
  {
    member: /^groupName$/,
    words: {
      what: 'The group name',
      rule: `${NAME_CHARACTERS} (up to 128 characters).`,
      fields: ['group-name'],
    },
  },
  {
    member: /^policyName$/,
    words: {
      what: 'The policy name',
      rule: `${NAME_CHARACTERS} (up to 128 characters).`,
      fields: ['policy-name'],
    },
  },
  {
    member: /^path$/,
    words: {
      what: 'The path',
      rule: 'Start and end with / and use printable characters without spaces between (up to 512 characters), for example /engineering/.',
      fields: ['path'],
    },
  },
  {
    member: /^(tags\.\d+\.member\.key|tagKeys\.\d+\.member)$/,
    words: { what: 'The tag key', rule: `${TAG_CHARACTERS} (1 to 128 characters).`, fields: ['tag-key'] },
  },
  {
    member: /^tags\.\d+\.member\.value$/,
    words: {
      what: 'The tag value',
      rule: `${TAG_CHARACTERS} (up to 256 characters, or leave it empty).`,
      fields: ['tag-value'],
    },
  },
];

const MEMBER = /^1 validation error detected: Value at '([^']+)' failed to satisfy constraint: /;

/** The words for a validation error the console knows how to explain, or undefined. */
export function wordsFor(error: IamError | string | undefined): Words | undefined {
  if (!(error instanceof IamError) || error.code !== 'ValidationError') return undefined;
  const member = MEMBER.exec(error.message)?.[1];
  if (member === undefined) return undefined;
  return WORDS.find((w) => w.member.test(member))?.words;
}

/** AWS's own text, kept for whoever wants it. */
export function awsText(error: IamError): Html {
  return html`<details class="aws-text">
    <summary>AWS's message</summary>
    <span class="aws-message">${error.code}: ${error.message}</span>
  </details>`;
}

/** The explanation a field shows under its input when the error is about that field's value. */
export function fieldProblem(error: IamError | string | undefined, fieldName: string): Html | '' {
  const words = wordsFor(error);
  if (!words || !words.fields.includes(fieldName) || !(error instanceof IamError)) return '';
  return html`<p>${words.what} is not valid. ${words.rule}</p>
    ${awsText(error)}`;
}

/** The error box's content for an error the console explains: the rule, then AWS's text. */
export function explained(error: IamError): Html | undefined {
  const words = wordsFor(error);
  if (!words) return undefined;
  return html`<p><strong>${words.what} is not valid.</strong> ${words.rule}</p>
    ${awsText(error)}`;
}
