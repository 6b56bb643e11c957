export * from './plugin';
export { default } from './plugin';
