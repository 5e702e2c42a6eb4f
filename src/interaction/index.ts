// The login interaction (/interaction/:uid): the dispatcher over the provider's prompts, the
// 在学生の方 / 卒業生の方 chooser, consent and cancelling. The students' and graduates' screens are
// handed in by src/app.ts, typed by ./screens.ts.
export { interactionRoutes } from './routes.js';
export type { InteractionScreens } from './screens.js';
