import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import type { Page } from 'playwright-core';

// axe-core on a screen as it stands (WCAG 2.0/2.1 A and AA rules, which JIS X 8341-3:2016 level AA
// follows): a serious or critical violation fails the test with what and where.

export interface AxeViolation { id: string; impact: string; help: string; targets: string[] }

/** The serious and critical violations on the page now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Fails with the violations found on `screen` (a name for the message: journey, step, width, language). */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 1)}`).to.deep.equal([]);
}
