import { expect } from 'chai';
import type { FileChooser, Locator, Page } from 'playwright-core';

// Keyboard-only journeys (test/students/keyboard.test.ts, test/graduates/keyboard.test.ts): the focus
// moves with Tab and Shift+Tab only, controls are used with Enter, Space, the arrow keys and typing —
// never a click — and every element the focus lands on shows a focus indicator.

/** Fails unless the focused element shows a focus indicator (an outline of 2 px or more, or a box shadow). */
export async function expectVisibleFocus(page: Page, where: string): Promise<void> {
  const focus = await page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return { element: 'body', visible: false, indicator: '' };
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow !== 'none';
    const box = element.getBoundingClientRect();
    return {
      element: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.getAttribute('name') ? `[name=${element.getAttribute('name')}]` : ''}`,
      visible: (outline || shadow) && box.width > 0 && box.height > 0,
      indicator: `${style.outlineStyle} ${style.outlineWidth} ${style.boxShadow}`,
    };
  });
  expect(focus.visible, `${where}: no visible focus on ${focus.element} (${focus.indicator})`).to.equal(true);
}

/** Whether the focus is on the target (one of its elements, for a radio group). */
async function isFocused(target: Locator): Promise<boolean> {
  return target.evaluateAll((elements) => elements.some((element) => element === document.activeElement));
}

/**
 * Presses Tab (or Shift+Tab) until `target` has the focus (if it has not already), checking the focus indicator at every
 * stop on the way. Fails if the target is not reached within `max` presses.
 */
export async function tabTo(page: Page, target: Locator, options: { backwards?: boolean; max?: number } = {}): Promise<void> {
  await target.first().waitFor({ state: 'attached' });
  // Keys pressed before the stylesheet applies would meet the browser's default focus ring.
  await page.waitForLoadState('load');
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  if (await isFocused(target)) return;
  for (let presses = 0; presses < (options.max ?? 80); presses += 1) {
    await page.keyboard.press(key);
    await expectVisibleFocus(page, `${key} × ${presses + 1} towards ${target}`);
    if (await isFocused(target)) return;
  }
  throw new Error(`${target} was not reached with ${key}`);
}

/** Tab to a text field and type into it. */
export async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

/** Tab to a button or link and press Enter. */
export async function press(page: Page, control: Locator): Promise<void> {
  await tabTo(page, control);
  await page.keyboard.press('Enter');
}

/** Tab to a checkbox and press Space. */
export async function tick(page: Page, checkbox: Locator): Promise<void> {
  await tabTo(page, checkbox);
  await page.keyboard.press('Space');
  expect(await checkbox.isChecked()).to.equal(true);
}

/** Tab into a radio group, then the arrow keys until `value` is chosen. */
export async function chooseRadio(page: Page, group: Locator, value: string): Promise<void> {
  await tabTo(page, group.locator('input[type=radio]'));
  const target = group.locator(`input[type=radio][value="${value}"]`);
  for (let presses = 0; presses < 10 && !(await target.isChecked()); presses += 1) {
    await page.keyboard.press(presses === 0 && !(await group.locator('input:checked').count()) ? 'Space' : 'ArrowDown');
  }
  expect(await target.isChecked(), `radio ${value}`).to.equal(true);
}

/** Tab to a select, then ArrowDown until the option `value` is selected. */
export async function chooseOption(page: Page, select: Locator, value: string): Promise<void> {
  await tabTo(page, select);
  for (let presses = 0; presses < 100 && (await select.inputValue()) !== value; presses += 1) await page.keyboard.press('ArrowDown');
  expect(await select.inputValue(), `option ${value}`).to.equal(value);
}

/**
 * Tab to a date field and type `iso` (YYYY-MM-DD or YYYY-MM) as a keyboard user does: into a text
 * field as written, into Chromium's date and month fields segment by segment in the browser's order
 * (month, day, year for the en-US interface of headless Chromium).
 */
export async function typeDate(page: Page, field: Locator, iso: string): Promise<void> {
  const type = await field.getAttribute('type');
  if (type !== 'date' && type !== 'month') return typeInto(page, field, iso);
  await tabTo(page, field);
  const [year, month, day] = iso.split('-');
  // A date field moves on by itself from a full month or day; a month field's month needs Tab.
  if (type === 'date') await page.keyboard.type(`${month}${day}${year}`);
  else {
    await page.keyboard.type(month ?? '');
    await page.keyboard.press('Tab');
    await page.keyboard.type(year ?? '');
  }
  expect(await field.inputValue(), `typed into ${field}`).to.equal(iso);
}

/**
 * Space on the focused file input, until the file chooser opens (a few tries): headless Chromium
 * now and then lets a key press on a file input pass without opening it, and a keyboard user would
 * simply press again.
 */
export async function openFileChooser(page: Page, input: Locator): Promise<FileChooser> {
  for (let attempt = 1; ; attempt += 1) {
    expect(await isFocused(input), `${input} has the focus`).to.equal(true);
    const chooser = page.waitForEvent('filechooser', { timeout: 5000 });
    await page.keyboard.press('Space');
    try {
      return await chooser;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}
