/** The serving API as the Settings page shows it (src-main/serve-api/). */
export interface ServeApiView {
  running: boolean;
  /** http://127.0.0.1:PORT while running. */
  url: string | null;
  /** The studio's token: requests send it as `Authorization: Bearer <token>`. */
  token: string;
  /** The project whose adapter library it serves; null: the base model only. */
  project: string | null;
}
