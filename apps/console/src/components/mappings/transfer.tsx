"use client";

import { useId, useState } from "react";
import { useRouter } from "next/navigation";
import { toast } from "sonner";
import type { FieldError } from "@cdp/api";
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Button,
  Checkbox,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  Input,
  Label,
} from "@cdp/ui";

import { AlertIcon, DownloadIcon, SpinnerIcon, UploadIcon } from "@/components/icons";
import { exportMappingRules, importMappingRules } from "@/app/(console)/mappings/actions";

/** Downloads every rule as the JSON file `mapping.import` takes. */
export function ExportRulesButton() {
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      const result = await exportMappingRules();
      if (!result.ok) {
        toast.error(result.message);
        return;
      }
      const blob = new Blob([`${JSON.stringify(result.value, null, 2)}\n`], {
        type: "application/json",
      });
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `mapping-rules-${new Date().toISOString().slice(0, 10)}.json`;
      link.click();
      URL.revokeObjectURL(url);
    } catch {
      toast.error("The console could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button variant="outline" size="sm" onClick={() => void run()} disabled={busy}>
      {busy ? <SpinnerIcon /> : <DownloadIcon />}
      Export JSON
    </Button>
  );
}

/** Loads an export file (all or nothing); the API's field errors are listed with their paths. */
export function ImportRulesDialog() {
  const router = useRouter();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ message: string; errors: FieldError[] } | null>(null);

  async function run() {
    if (!file) {
      setProblem({ message: "Choose an export file of mapping rules.", errors: [] });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await file.text());
      } catch {
        setProblem({ message: "The file is not JSON.", errors: [] });
        return;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        setProblem({ message: "The file is not an export of mapping rules.", errors: [] });
        return;
      }
      // The API validates the whole file; the client only adds the replace flag.
      const result = await importMappingRules({
        ...(parsed as Parameters<typeof importMappingRules>[0]),
        replace,
      });
      if (result.ok) {
        toast.success("Imported the mapping rules");
        setOpen(false);
        setFile(null);
        router.refresh();
      } else {
        setProblem({ message: result.message, errors: result.fieldErrors });
      }
    } catch {
      setProblem({ message: "The console could not reach the server. Try again.", errors: [] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setProblem(null);
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <UploadIcon />
          Import JSON
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Import mapping rules</DialogTitle>
          <DialogDescription>
            A file exported here. New rules are created, changed ones saved as a new version; if any
            rule is invalid nothing is imported.
          </DialogDescription>
        </DialogHeader>
        <div className="grid gap-4">
          <div className="grid gap-2">
            <Label htmlFor={`${ids}-file`}>Export file</Label>
            <Input
              id={`${ids}-file`}
              type="file"
              accept="application/json,.json"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </div>
          <div className="flex items-center gap-2">
            <Checkbox
              id={`${ids}-replace`}
              checked={replace}
              onCheckedChange={(v) => setReplace(v === true)}
            />
            <Label htmlFor={`${ids}-replace`} className="font-normal">
              Also delete the rules the file does not hold
            </Label>
          </div>
          {problem ? (
            <Alert variant="destructive" data-testid="import-errors">
              <AlertIcon />
              <AlertTitle>{problem.message}</AlertTitle>
              {problem.errors.length > 0 ? (
                <AlertDescription className="text-destructive!">
                  <ul className="grid gap-1">
                    {problem.errors.slice(0, 20).map((e) => (
                      <li key={`${e.path}:${e.message}`}>
                        <code className="font-mono text-xs">{e.path || "file"}</code>: {e.message}
                      </li>
                    ))}
                  </ul>
                </AlertDescription>
              ) : null}
            </Alert>
          ) : null}
        </div>
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline">Cancel</Button>
          </DialogClose>
          <Button onClick={() => void run()} disabled={busy}>
            {busy ? <SpinnerIcon /> : null}
            Import
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
