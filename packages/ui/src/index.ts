export { cn } from "./lib/utils";
export { Badge, badgeVariants } from "./badge";
export type { BadgeProps } from "./badge";
export { Button, buttonVariants } from "./button";
export type { ButtonProps } from "./button";
export {
  Card,
  CardAction,
  CardContent,
  CardDescription,
  CardFooter,
  CardHeader,
  CardTitle,
} from "./card";
export { Input } from "./input";
export { Skeleton } from "./skeleton";
export {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableFooter,
  TableHead,
  TableHeader,
  TableRow,
} from "./table";
