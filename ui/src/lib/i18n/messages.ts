// Every word the window shows, in zh-CN (the default, `zh-CN.ts`) and English
// (`en.ts`). The English catalogue must have exactly the Chinese one's shape, so a
// missing text is a type error. Labels of the domain's closed sets come generated
// from Rust (api/types.ts).
import type { Language } from "../api/types";
import { en } from "./en";
import { type Messages, zhCN } from "./zh-CN";

export type { Language, Messages };

export const catalogues: Record<Language, Messages> = { "zh-CN": zhCN, en };
