import { expect } from 'chai';
import { DomUtils, parseDocument } from 'htmlparser2';
import type { Page } from './browser.js';

// The error-association rules every form of the service follows after a failed submit (WCAG 1.3.1,
// 3.3.1, 4.1.2; views/mixins/forms.pug): read from the page's HTML as a screen reader would.

export interface LinkedErrors {
  /** The fields the summary links to, in its order. */
  fields: string[];
  /** The messages of each field, as its list under the control shows them. */
  messages: Record<string, string[]>;
}

type Element = ReturnType<typeof DomUtils.findAll>[number];

const textOf = (node: Element) => DomUtils.textContent(node).replace(/\s+/g, ' ').trim();

/**
 * Asserts the rules and returns what the page says:
 * - one error summary, focusable (tabindex=-1) and focused on load (autofocus), with the count of
 *   messages and one link per message to an element of the page;
 * - each linked field's control (input, select, textarea; every radio of a group) has
 *   aria-invalid="true" and names its message list ("<field>-error") in aria-describedby; a link to
 *   a message that belongs to no control (e.g. "add at least one image") leads to that message;
 * - the summary lists the fields in the order of the page;
 * - every aria-describedby names elements that exist, and no control is invalid without a message;
 * - `expected`: the fields that must be among the linked ones.
 */
export function expectErrorsLinked(page: Page, expected: readonly string[], label = page.url): LinkedErrors {
  const document = parseDocument(page.html);
  const all = DomUtils.findAll(() => true, document.children);
  const byId = new Map(all.filter((e) => e.attribs.id).map((e) => [e.attribs.id!, e]));
  const summaries = all.filter((e) => 'data-error-summary' in e.attribs);
  expect(summaries, `${label}: one error summary`).to.have.length(1);
  const summary = summaries[0]!;
  expect(summary.attribs.tabindex, `${label}: the summary can take the focus`).to.equal('-1');
  expect(summary.attribs, `${label}: the summary takes the focus on load`).to.have.property('autofocus');
  const links = DomUtils.findAll((e) => e.name === 'a' && (e.attribs.href ?? '').startsWith('#'), summary.children);
  expect(links.length, `${label}: the summary links its messages`).to.be.greaterThan(0);
  expect(textOf(summary), `${label}: the summary counts the messages`).to.match(links.length === 1 ? /1件|1 error/ : new RegExp(`${links.length}件|${links.length} errors`));

  const fields: string[] = [];
  const messages: Record<string, string[]> = {};
  for (const link of links) {
    const field = decodeURIComponent(link.attribs.href!.slice(1));
    const target = byId.get(field);
    expect(target, `${label}: the summary's link #${field} leads to an element`).to.not.equal(undefined);
    const list = byId.get(`${field}-error`);
    expect(list, `${label}: ${field} has its message list`).to.not.equal(undefined);
    const listed = DomUtils.findAll((e) => e.name === 'li', list!.children).map(textOf);
    expect(listed, `${label}: the summary's message is the one under ${field}`).to.include(textOf(link));
    if (!fields.includes(field)) fields.push(field);
    messages[field] = listed;
    if (['input', 'select', 'textarea'].includes(target!.name)) {
      const group = target!.attribs.type === 'radio'
        ? all.filter((e) => e.name === 'input' && e.attribs.type === 'radio' && e.attribs.name === target!.attribs.name)
        : [target!];
      for (const control of group) {
        expect(control.attribs['aria-invalid'], `${label}: ${field} (${control.attribs.value ?? control.name}) is aria-invalid`).to.equal('true');
        expect((control.attribs['aria-describedby'] ?? '').split(/\s+/), `${label}: ${field} names its message`).to.include(`${field}-error`);
      }
    }
  }
  // The summary lists the problems in the order of the page.
  const positions = fields.map((field) => all.indexOf(byId.get(field)!));
  expect(positions, `${label}: the summary follows the page's order (${fields.join(', ')})`).to.deep.equal([...positions].sort((a, b) => a - b));
  for (const control of all.filter((e) => e.attribs['aria-invalid'] === 'true')) {
    const names = (control.attribs['aria-describedby'] ?? '').split(/\s+/).filter(Boolean);
    expect(names.some((name) => name.endsWith('-error')), `${label}: invalid ${control.attribs.id ?? control.attribs.name} has a message`).to.equal(true);
  }
  for (const control of all.filter((e) => e.attribs['aria-describedby'])) {
    for (const name of control.attribs['aria-describedby']!.split(/\s+/).filter(Boolean)) {
      expect(byId.has(name), `${label}: aria-describedby of ${control.attribs.id} names #${name}`).to.equal(true);
    }
  }
  for (const field of expected) expect(fields, `${label}: ${field} is in the summary`).to.include(field);
  return { fields, messages };
}
