// Tags after creation, one section and one pair of actions for users, roles and customer managed
// policies: the tags listed, a tag added or its value changed (Tag<Entity>, which replaces the value
// of a key already there), a tag removed after a confirmation (Untag<Entity>). AWS's limits (50
// tags, keys up to 128 characters, values up to 256) are the domain's and the input checks' to say.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IamError } from '../../domain/errors.ts';
import { type ConsoleContext, type OperationResult, type Signed, callIam } from '../context.ts';
import { csrfField, dangerForm, field, html, table, type Html } from '../html.ts';
import { formText } from '../web.ts';
import {
  type Messages,
  action,
  check,
  firstProblem,
  path,
  plausibleName,
  postForm,
  statusOf,
} from './common.ts';
import type { DetailRenderer, HolderKind } from './holder-policies.ts';
import { fieldProblem } from './validation-words.ts';
import { tabUrl } from './tabs.ts';

/** The tab of an entity's page that holds its tags. */
export const TAGS_TAB = 'tags';

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export const TAG_NOTICES: Readonly<Record<string, string>> = {
  'tag-saved': 'The tag was saved.',
  'tag-removed': 'The tag was removed.',
};

/** The tag a form names ("tag-key", "tag-value"), or the check it fails, worded as the API's. */
export function readTag(form: URLSearchParams): { tag: Tag; problem?: IamError } {
  const tag = { Key: formText(form, 'tag-key', 512), Value: formText(form, 'tag-value', 1024) };
  return { tag, problem: firstProblem(check.tagKey(tag.Key), check.tagValue(tag.Value)) };
}

export function readTagKey(form: URLSearchParams): { key: string; problem?: IamError } {
  const key = formText(form, 'tag-key', 512);
  return { key, problem: check.tagKey(key, 'tagKeys.1.member') };
}

/**
 * The Tags section of an entity's page. `actionBase` is where ".../tags/put" and ".../tags/remove"
 * post; `hidden` names the entity when the URL does not (a policy's ARN).
 */
export function tagsSection(options: {
  readonly tags: readonly Tag[];
  readonly actionBase: string;
  readonly csrf: string;
  readonly noun: string;
  readonly hidden?: Readonly<Record<string, string>>;
  readonly messages?: Messages;
}): Html {
  const { tags, actionBase, csrf, noun } = options;
  const hidden = options.hidden ?? {};
  const messages = options.messages ?? {};
  const draft = messages.draft ?? {};
  const hiddenFields = Object.entries(hidden).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  const editForm = (t: Tag, i: number) =>
    html`<details class="edit">
      <summary>Edit value</summary>
      <form method="post" action="${actionBase}/tags/put" class="inline" aria-label="Edit tag ${t.Key}">
        ${csrfField(csrf)} ${hiddenFields}
        <input type="hidden" name="tag-key" value="${t.Key}" />
        ${field({ id: `tag-value-${i + 1}`, name: 'tag-value', label: `New value of ${t.Key}`, value: t.Value, required: false })}
        <button type="submit">Save value</button>
      </form>
    </details>`;
  const rows = tags.map((t, i) => [
    t.Key,
    t.Value,
    html`${editForm(t, i)}
    ${dangerForm(
      `${actionBase}/tags/remove`,
      csrf,
      `Remove tag ${t.Key}`,
      { ...hidden, 'tag-key': t.Key },
      `The tag is removed from the ${noun}; policies that match on it no longer do.`,
    )}`,
  ]);
  const addForm = postForm(
    `${actionBase}/tags/put`,
    csrf,
    html`<h3>Add or change a tag</h3>
      ${hiddenFields}
      ${field({ id: 'tag-key', label: 'Key', value: draft['tag-key'] ?? '', hint: 'Up to 128 characters; a key already there gets the new value.', problem: fieldProblem(messages.error, 'tag-key') })}
      ${field({ id: 'tag-value', label: 'Value', value: draft['tag-value'] ?? '', required: false, hint: 'Up to 256 characters; may be empty.', problem: fieldProblem(messages.error, 'tag-value') })}
      <button type="submit">Save tag</button>`,
    { label: 'Add or change a tag' },
  );
  return html`<section aria-labelledby="tags-heading">
    <h2 id="tags-heading">Tags</h2>
    <p>${tags.length} of 50 tags.</p>
    ${table(`Tags of this ${noun}`, ['Key', 'Value', 'Actions'], rows)} ${addForm}
  </section>`;
}

/** The put and remove actions on the tags of a kind of holder (users and roles). */
export function registerTagActions(
  server: FastifyInstance,
  ctx: ConsoleContext,
  kind: HolderKind,
  render: DetailRenderer,
): void {
  type Params = { name: string };
  const finish = async (
    signed: Signed,
    reply: FastifyReply,
    name: string,
    result: Promise<OperationResult>,
    notice: string,
    draft?: Record<string, string>,
  ): Promise<FastifyReply> => {
    const outcome = await result;
    if (!outcome.ok)
      return render(signed, reply, name, statusOf(outcome.error), {
        error: outcome.error,
        draft,
        tab: TAGS_TAB,
      });
    return reply
      .code(303)
      .header('location', tabUrl(path(kind.base, name), TAGS_TAB, notice))
      .send();
  };
  const unknown = (reply: FastifyReply) => reply.code(303).header('location', kind.base).send();

  action<Params>(server, ctx, `${kind.base}/:name/tags/put`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const { tag, problem } = readTag(form);
    const draft = { 'tag-key': tag.Key, 'tag-value': tag.Value };
    if (problem)
      return render(signed, reply, name, statusOf(problem), { error: problem, draft, tab: TAGS_TAB });
    return finish(
      signed,
      reply,
      name,
      callIam(signed.caller, ctx, `Tag${kind.op}`, { [kind.param]: name, Tags: [tag] }),
      'tag-saved',
      draft,
    );
  });

  action<Params>(server, ctx, `${kind.base}/:name/tags/remove`, async (signed, form, { name }, reply) => {
    if (!plausibleName(name, kind.maxName)) return unknown(reply);
    const { key, problem } = readTagKey(form);
    if (problem) return render(signed, reply, name, statusOf(problem), { error: problem, tab: TAGS_TAB });
    return finish(
      signed,
      reply,
      name,
      callIam(signed.caller, ctx, `Untag${kind.op}`, { [kind.param]: name, TagKeys: [key] }),
      'tag-removed',
    );
  });
}
