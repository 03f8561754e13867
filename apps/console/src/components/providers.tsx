"use client";

import { ThemeProvider, useTheme } from "next-themes";
import type { ReactNode } from "react";
import { Toaster } from "sonner";
import { z } from "zod";

// The pages' CSP forbids eval: zod would otherwise probe `new Function` (a reported violation)
// before compiling its object parsers.
z.config({ jitless: true });

function ThemedToaster() {
  const { resolvedTheme } = useTheme();
  return (
    <Toaster
      theme={resolvedTheme === "dark" ? "dark" : "light"}
      position="bottom-right"
      closeButton
      toastOptions={{ className: "font-sans" }}
    />
  );
}

/** Light / dark / system theme (a class on <html>, as the Tailwind theme expects) and toasts. */
export function Providers({ children, nonce }: { children: ReactNode; nonce?: string }) {
  return (
    <ThemeProvider
      attribute="class"
      defaultTheme="system"
      enableSystem
      disableTransitionOnChange
      nonce={nonce}
    >
      {children}
      <ThemedToaster />
    </ThemeProvider>
  );
}
