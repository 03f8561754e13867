"use client";

import "@xyflow/react/dist/style.css";
import "./flow-view.css";

import { useEffect, useMemo, useState } from "react";
import {
  Background,
  MarkerType,
  Position,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
} from "@xyflow/react";
import type { Edge, Node } from "@xyflow/react";
import { formatCondition, resolveMappingTarget } from "@cdp/profile-schema";

import type { RuleDraft } from "./draft";

const COLUMN = { event: 0, condition: 170, mapping: 340, target: 570 } as const;
const ROW = 64;

type FlowNode = Node<{ label: string }>;

function node(id: string, label: string, x: number, y: number, tone: string): FlowNode {
  return {
    id,
    position: { x, y },
    data: { label },
    sourcePosition: Position.Right,
    targetPosition: Position.Left,
    className: `cdp-flow-node ${tone}`,
    draggable: false,
    selectable: false,
  };
}

const edge = (source: string, target: string): Edge => ({
  id: `${source}->${target}`,
  source,
  target,
  markerEnd: { type: MarkerType.ArrowClosed },
});

/** Event types → condition → each mapping (op, transforms) → profile fields, from the draft. */
export function buildFlow(draft: RuleDraft): { nodes: FlowNode[]; edges: Edge[] } {
  const nodes: FlowNode[] = [];
  const edges: Edge[] = [];
  const rows = Math.max(draft.mappings.length, draft.eventTypes.length, 1);
  const centre = (count: number, i: number) => ((rows - count) * ROW) / 2 + i * ROW;

  const events = draft.eventTypes.length > 0 ? draft.eventTypes : ["(no event type)"];
  events.forEach((type, i) =>
    nodes.push(node(`event:${i}`, type, COLUMN.event, centre(events.length, i), "is-event")),
  );
  const condition = draft.condition ? formatCondition(draft.condition) : "Always";
  nodes.push(
    node(
      "condition",
      condition.length > 60 ? `${condition.slice(0, 57)}…` : condition,
      COLUMN.condition,
      centre(1, 0),
      "is-condition",
    ),
  );
  events.forEach((_, i) => edges.push(edge(`event:${i}`, "condition")));

  const targets = new Map<string, string>();
  draft.mappings.forEach((m, i) => {
    const from =
      typeof m.from === "string" ? m.from || "?" : `const ${JSON.stringify(m.from.const)}`;
    const steps = m.transform.length > 0 ? ` | ${m.transform.join(", ")}` : "";
    const id = `mapping:${i}`;
    nodes.push(
      node(
        id,
        `${i + 1}. ${from} — ${m.op}${steps}`,
        COLUMN.mapping,
        centre(draft.mappings.length, i),
        "is-mapping",
      ),
    );
    edges.push(edge("condition", id));
    const to = m.to || "?";
    let targetId = targets.get(to);
    if (!targetId) {
      targetId = `target:${targets.size}`;
      targets.set(to, targetId);
      const resolved = m.to ? resolveMappingTarget(m.to) : null;
      const label = resolved?.ok
        ? `${to} (${resolved.target.type}${resolved.target.pii ? ", PII" : ""})`
        : to;
      nodes.push(
        node(targetId, label, COLUMN.target, 0, resolved?.ok ? "is-target" : "is-unknown"),
      );
    }
    edges.push(edge(id, targetId));
  });
  // Targets are laid out once all are known, centred like the other columns.
  const targetNodes = nodes.filter((n) => n.id.startsWith("target:"));
  targetNodes.forEach((n, i) => {
    n.position = { x: COLUMN.target, y: centre(targetNodes.length, i) };
  });
  return { nodes, edges };
}

/**
 * Fits the picture into its box again when the rule or the box changes: React Flow fits only
 * once, on mount, and the form changes the graph (and the page's layout the box) as it is typed.
 */
function FitOnChange({ signature, box }: { signature: string; box: HTMLElement | null }) {
  const flow = useReactFlow();
  const measured = useNodesInitialized();
  useEffect(() => {
    if (!measured) return;
    // A node added or relabelled is measured after this render: fit once it has its size.
    const timer = setTimeout(() => void flow.fitView({ padding: 0.12 }), 80);
    return () => clearTimeout(timer);
  }, [flow, measured, signature]);
  useEffect(() => {
    if (!box) return;
    const observer = new ResizeObserver(() => void flow.fitView({ padding: 0.12 }));
    observer.observe(box);
    return () => observer.disconnect();
  }, [flow, box]);
  return null;
}

/** A read-only picture of the rule, redrawn from the form as it changes. */
export function FlowView({ draft }: { draft: RuleDraft }) {
  const { nodes, edges } = useMemo(() => buildFlow(draft), [draft]);
  const [box, setBox] = useState<HTMLElement | null>(null);
  const height = Math.max(
    260,
    Math.max(draft.mappings.length, draft.eventTypes.length, 1) * ROW + 80,
  );
  const signature = nodes.map((n) => `${n.id}:${n.data.label}`).join("|");
  return (
    <figure
      ref={setBox}
      className="cdp-flow flex flex-col overflow-hidden rounded-lg border bg-card"
      style={{ height }}
      aria-label="Flow of the rule"
      data-testid="mapping-flow"
    >
      <ReactFlow
        className="flex-1"
        style={{ height }}
        nodes={nodes}
        edges={edges}
        fitView
        fitViewOptions={{ padding: 0.12 }}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        panOnDrag={false}
        zoomOnScroll={false}
        zoomOnPinch={false}
        zoomOnDoubleClick={false}
        preventScrolling={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} size={1} />
        <FitOnChange signature={signature} box={box} />
      </ReactFlow>
      <figcaption className="sr-only">
        {draft.eventTypes.join(", ") || "No event type"},{" "}
        {draft.condition ? "when the condition holds" : "always"}: {draft.mappings.length} mapping
        {draft.mappings.length === 1 ? "" : "s"}.
      </figcaption>
    </figure>
  );
}
