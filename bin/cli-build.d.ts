export declare const DEFAULT_CACHE_DIR: string;
/** The compiled CLI's entry module, built first when missing or older than any of its inputs. */
export declare function compiledCli(options?: {
  cacheDir?: string;
}): Promise<{ entry: string; built: boolean }>;
