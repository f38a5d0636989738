import { z } from 'zod';

/** Fields shared by the sections of the routing file. */

/** The largest webhook body a section accepts, in bytes: at least 1 KiB. */
export const maxBodyBytes = (max: number, dflt: number) => z.number().int().min(1024).max(max).default(dflt);
