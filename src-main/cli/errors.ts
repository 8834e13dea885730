export { UserError } from '../errors.ts';
