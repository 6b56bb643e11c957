/**
 * Type check only (never bundled): the v2 host services export what the v1 ones do, with the same
 * types, so every shared screen builds against either.
 */
import type * as V1 from '../client/shared/host';
import * as v2 from './host';

export const v2HostMatchesV1: typeof V1 = v2;
