import type { Context } from 'koa';
import type { InteractionDetails } from '../web/interaction.js';

// What the dispatcher shows for each prompt the provider's policy asks for. The screens belong to the
// capabilities that own the steps (src/students, src/graduates); src/app.ts hands them in, so the
// interaction depends on this interface and on no capability.

/** The screen of one prompt of the login interaction. */
export type PromptScreen = (ctx: Context, details: InteractionDetails) => void | Promise<void>;

/** 在学生: ログイン, メールアドレス設定 and 第2パスワード設定 at the first login. */
export interface StudentPromptScreens {
  login: PromptScreen;
  /**
   * Whether this login is already a student's (e.g. back from the university's SSO, waiting for the
   * 第2パスワード): then the 在学生の方 / 卒業生の方 chooser is not shown again.
   */
  loginUnderway(details: InteractionDetails): Promise<boolean>;
  emailRegistration: PromptScreen;
  secondPassword: PromptScreen;
}

/** 卒業生: ログイン, パスワード設定 at the first login, 利用許諾. */
export interface GraduatePromptScreens {
  login: PromptScreen;
  passwordSetup: PromptScreen;
  terms: PromptScreen;
}

export interface InteractionScreens {
  student: StudentPromptScreens;
  graduate: GraduatePromptScreens;
}
